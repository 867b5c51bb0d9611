//! logfmt lines (`t=... level=error msg="Failed to create token" status=403`), as Grafana, Go
//! and Heroku apps write them, parsed with nom. The pair scanner is lenient and is also used
//! for the `key=value` tail of plain-text messages.

use std::borrow::Cow;

use nom::branch::alt;
use nom::bytes::complete::{escaped, is_not, tag, take_while1};
use nom::character::complete::{anychar, char};
use nom::combinator::{map, opt};
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

use super::app_fields::{app_record, spoken_fields};
use super::record::with_text;
use super::sniff::Sample;
use super::{LogFormat, Parsed};

pub struct Logfmt;

impl LogFormat for Logfmt {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        // App logs, and the access records an app line can hold.
        &[crate::event::Platform::App, crate::event::Platform::Http]
    }

    fn is_json(&self) -> bool {
        false
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        let share =
            sample.share_of_lines(|line| std::str::from_utf8(line).is_ok_and(looks_like_logfmt));
        if share >= 60 { 50 } else { 0 }
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        with_text(raw, parse_pairs)
    }
}

/// Parse one logfmt line. A line that does not start with a pair is text with pairs after
/// it (HashiCorp's `[WARN]  auth.token: token creation denied: role=ci`, Heroku's `app[web.1]:
/// at=warn ...`, a panic between logfmt lines): read as a text line, so its words count.
fn parse_pairs(line: &str) -> Parsed<'_> {
    let pairs = pairs(line);
    match pairs.first() {
        Some((key, _)) if line.trim_start().starts_with(key) => record(&pairs),
        _ => super::text::parse_line(line),
    }
}

/// The app record of a line's pairs.
pub(crate) fn record<'a>(pairs: &[(&'a str, Cow<'a, str>)]) -> Parsed<'a> {
    let fields: Vec<_> = pairs
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), v.clone()))
        .collect();
    let mut record = app_record(&fields);
    spoken_fields(&mut record, fields);
    Parsed::Record(Box::new(record))
}

/// The pairs of a line that looks like logfmt (at least three pairs, the first at the
/// start), so a caller that asks also gets them without scanning the line twice.
pub(crate) fn logfmt_pairs(line: &str) -> Option<Vec<(&str, Cow<'_, str>)>> {
    // Cheap rejection first: the first token of a logfmt line is `key=...`.
    let first = line.trim_start().split([' ', '\t']).next().unwrap_or("");
    if !first.contains('=') {
        return None;
    }
    let pairs = pairs(line);
    (pairs.len() >= 3 && line.trim_start().starts_with(pairs[0].0)).then_some(pairs)
}

fn looks_like_logfmt(line: &str) -> bool {
    logfmt_pairs(line).is_some()
}

/// Every `key=value` / `key="quoted \" value"` pair in `input`; other tokens are skipped.
pub fn pairs(input: &str) -> Vec<(&str, Cow<'_, str>)> {
    let mut out = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        rest = rest.trim_start();
        match pair(rest) {
            Ok((tail, (key, value)))
                if tail.is_empty() || tail.starts_with([' ', '\t', ',', ';']) =>
            {
                // `key="v",` and `key=v,` (Keycloak's event lines) end at the comma.
                let value = match value {
                    Cow::Borrowed(v) => Cow::Borrowed(v.trim_end_matches([',', ';'])),
                    owned => owned,
                };
                out.push((key, value));
                rest = tail.trim_start_matches([',', ';']);
            }
            _ => rest = skip_token(rest),
        }
    }
    out
}

/// Skip one whitespace-delimited token, stepping over a quoted section as a whole.
fn skip_token(input: &str) -> &str {
    &input[token_end(input)..]
}

/// Where the whitespace-delimited token at the start of `input` ends; a quoted section
/// inside it (`=HYPERLINK("http://x")`) is part of the token; a quote that never closes
/// (`it"s`) is just a character.
fn token_end(input: &str) -> usize {
    let mut in_quotes = false;
    let mut escaped_char = false;
    for (i, c) in input.char_indices() {
        match c {
            _ if escaped_char => escaped_char = false,
            '\\' => escaped_char = true,
            '"' => in_quotes = !in_quotes,
            c if c.is_whitespace() && !in_quotes => return i,
            _ => {}
        }
    }
    if in_quotes {
        return input.find(char::is_whitespace).unwrap_or(input.len());
    }
    input.len()
}

fn pair(input: &str) -> IResult<&str, (&str, Cow<'_, str>)> {
    let (rest, key) = key(input)?;
    let (rest, value) = preceded(tag("="), alt((quoted, single_quoted, bare))).parse(rest)?;
    Ok((rest, (key, value)))
}

fn key(input: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@' | '/'))(input)
}

/// An unquoted value: up to the next blank, quoted sections inside included.
fn bare(input: &str) -> IResult<&str, Cow<'_, str>> {
    let end = token_end(input);
    Ok((&input[end..], Cow::Borrowed(&input[..end])))
}

fn quoted(input: &str) -> IResult<&str, Cow<'_, str>> {
    let body = opt(escaped(is_not("\\\""), '\\', anychar));
    map(delimited(char('"'), body, char('"')), |s: Option<&str>| {
        unescape(s.unwrap_or(""))
    })
    .parse(input)
}

/// `key='value'` (Python's key=value loggers, structlog's console renderer).
fn single_quoted(input: &str) -> IResult<&str, Cow<'_, str>> {
    let (rest, body) = delimited(char('\''), opt(is_not("'")), char('\'')).parse(input)?;
    // Only a whole value: `key='a b'` then a blank or the end, not `key='s-x`.
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Char,
        )));
    }
    Ok((rest, Cow::Borrowed(body.unwrap_or(""))))
}

fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_cases() {
        let cases: [(&str, &[(&str, &str)]); 9] = [
            ("a=1 b=two", &[("a", "1"), ("b", "two")]),
            (
                r#"msg="hello world" x=y"#,
                &[("msg", "hello world"), ("x", "y")],
            ),
            (
                r#"msg="say \"hi\"" z="#,
                &[("msg", "say \"hi\""), ("z", "")],
            ),
            ("plain words user=alice more", &[("user", "alice")]),
            (r#"err="a b" junk"tail x=1"#, &[("err", "a b"), ("x", "1")]),
            (
                r#"user==HYPERLINK("http://x.example/a") n=1"#,
                &[("user", r#"=HYPERLINK("http://x.example/a")"#), ("n", "1")],
            ),
            (
                r#"msg=it"s status=403"#,
                &[("msg", r#"it"s"#), ("status", "403")],
            ),
            ("", &[]),
            (
                r#"type="CLIENT_LOGIN_ERROR", realmId=acme, error="x""#,
                &[
                    ("type", "CLIENT_LOGIN_ERROR"),
                    ("realmId", "acme"),
                    ("error", "x"),
                ],
            ),
        ];
        for (input, expected) in cases {
            let got = pairs(input);
            let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (*k, v.as_ref())).collect();
            assert_eq!(got, expected, "input {input:?}");
        }
    }

    #[test]
    fn grafana_line() {
        let line = br#"logger=context userId=1 orgId=1 uname=admin t=2026-07-13T18:34:15.559396955Z level=error msg="Request Completed" method=POST path=/api/serviceaccounts/2/tokens status=403 remote_addr=127.0.0.1 error="You'll need additional permissions""#;
        let Parsed::Record(r) = Logfmt.parse(line) else {
            panic!()
        };
        assert_eq!(r.actor.as_deref(), Some("admin"));
        assert_eq!(r.tenant.as_deref(), Some("1"));
        assert_eq!(r.status, Some(403));
        assert_eq!(r.path.as_deref(), Some("/api/serviceaccounts/2/tokens"));
        assert_eq!(r.source_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(
            r.message.as_deref(),
            Some("Request Completed: You'll need additional permissions")
        );
    }

    #[test]
    fn invalid_utf8_is_kept() {
        let Parsed::Record(r) = Logfmt.parse(b"msg=\"bad \xff byte\" user=x") else {
            panic!()
        };
        assert_eq!(r.message.as_deref(), Some("bad \u{fffd} byte"));
    }
}
