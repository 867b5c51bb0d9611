//! syslog lines, RFC 5424 (`<134>1 2024-05-02T10:00:01Z host app 123 ID47 [sd] message`)
//! and RFC 3164 (`<134>May  2 10:00:01 host app[123]: message`, PRI optional, also with an
//! RFC 3339 timestamp as rsyslog writes), parsed with nom. The message is read as an app log.
//! RFC 3164 times carry no year: the extractor supplies it.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime, Utc};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_while, take_while_m_n, take_while1};
use nom::character::complete::{char, digit1, space0, space1};
use nom::combinator::{opt, recognize};
use nom::sequence::delimited;
use nom::{IResult, Parser};

use super::inner::wrapped;
use super::record::with_text;
use super::sniff::Sample;
use super::{LogFormat, Parsed, time};

pub struct Syslog;

impl LogFormat for Syslog {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        // A wrapper's message can be any platform's record (Vault's syslog audit device).
        &crate::event::Platform::ALL
    }

    fn is_json(&self) -> bool {
        false
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        let share =
            sample.share_of_lines(|l| std::str::from_utf8(l).is_ok_and(|l| header(l).is_ok()));
        if share >= 50 { 70 } else { 0 }
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        with_text(raw, |line| match header(line) {
            Ok((message, h)) => {
                let (time, yearless) = h.time();
                let parsed = wrapped(Cow::Borrowed(message), time);
                match parsed {
                    Parsed::Record(mut record) => {
                        if let Some(structured) = h.structured {
                            structured_fields(&mut record, structured);
                        }
                        record.yearless = yearless && record.time == time;
                        record.attrs.push(("host", Cow::Borrowed(h.host)));
                        record.attrs.push(("program", Cow::Borrowed(h.program)));
                        Parsed::Record(record)
                    }
                    other => other,
                }
            }
            Err(_) => Parsed::Foreign,
        })
    }
}

struct Header<'a> {
    timestamp: &'a str,
    bsd: bool,
    host: &'a str,
    program: &'a str,
    /// RFC 5424 structured data (`[meta@32473 plan="free" action="token.create"]`).
    structured: Option<&'a str>,
}

impl Header<'_> {
    /// The time, and whether it lacked a year (then it is in year 2000, to be replaced).
    fn time(&self) -> (Option<DateTime<Utc>>, bool) {
        if !self.bsd {
            return (time::parse_timestamp(self.timestamp), false);
        }
        let squeezed = self
            .timestamp
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let parsed = time::fast_bsd(squeezed.as_bytes())
            .or_else(|| {
                NaiveDateTime::parse_from_str(&format!("2000 {squeezed}"), "%Y %b %d %H:%M:%S").ok()
            })
            .map(|t| t.and_utc());
        (parsed, parsed.is_some())
    }
}

fn header(line: &str) -> IResult<&str, Header<'_>> {
    let (rest, _) = opt(delimited(char('<'), digit1, char('>'))).parse(line)?;
    alt((rfc5424, rfc3164, relayed)).parse(rest)
}

/// `Dec  2 10:15:41 relay-02 <134>Dec  2 10:15:40 origin app[9]: MSG`: a relay's time and
/// host before the original line, whose header is the one that counts.
fn relayed(input: &str) -> IResult<&str, Header<'_>> {
    let (rest, _) = syslog_timestamp(input)?;
    let (rest, _) = (space1, take_while1(|c: char| !c.is_whitespace()), space1).parse(rest)?;
    let (rest, _) = opt(delimited(char('<'), digit1, char('>'))).parse(rest)?;
    alt((rfc5424, rfc3164)).parse(rest)
}

/// A BSD timestamp (`May  2 10:00:01`) or an RFC 3339 one, and whether it is BSD.
fn syslog_timestamp(input: &str) -> IResult<&str, (&str, bool)> {
    let (rest, (timestamp, bsd)) = alt((
        bsd_timestamp.map(|t| (t, true)),
        take_while1(|c: char| !c.is_whitespace()).map(|t| (t, false)),
    ))
    .parse(input)?;
    if !bsd && time::parse_timestamp(timestamp).is_none() {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Verify,
        )));
    }
    Ok((rest, (timestamp, bsd)))
}

/// `1 TIMESTAMP HOST APP PROCID MSGID SD MSG`.
fn rfc5424(input: &str) -> IResult<&str, Header<'_>> {
    let token = || take_while1(|c: char| !c.is_whitespace());
    let (rest, _) = (tag("1"), space1).parse(input)?;
    let (rest, timestamp) = token().parse(rest)?;
    let (rest, (_, host, _, program, _, _pid, _, _msgid, _)) = (
        space1,
        token(),
        space1,
        token(),
        space1,
        token(),
        space1,
        token(),
        space1,
    )
        .parse(rest)?;
    let (rest, structured) = alt((tag("-"), recognize(structured_data))).parse(rest)?;
    let (rest, _) = space0(rest)?;
    let message = rest.strip_prefix('\u{feff}').unwrap_or(rest);
    Ok((
        message,
        Header {
            timestamp,
            bsd: false,
            host,
            program,
            structured: (structured != "-").then_some(structured),
        },
    ))
}

/// The parameters of structured data as the message's fields: an action or outcome the
/// message lacks (`action="token.create"`, `outcome="failure"`), and what fields say in
/// words (`reason="denied"`, `tfa="false"`).
fn structured_fields(record: &mut super::Record<'_>, structured: &str) {
    let params = structured.replace(['[', ']'], " ");
    let fields: Vec<(Cow<'static, str>, Cow<'static, str>)> = super::logfmt::pairs(&params)
        .into_iter()
        .map(|(k, v)| (Cow::Owned(k.to_string()), Cow::Owned(v.into_owned())))
        .collect();
    if fields.is_empty() {
        return;
    }
    let said = super::app_fields::app_record(&fields);
    if record.action.is_none() {
        record.action = said.action;
    }
    if record.outcome.is_none_or(|o| o == super::Outcome::Unstated) {
        record.outcome = said.outcome;
    }
    super::app_fields::spoken_fields(record, fields);
}

/// One or more `[id key="value" ...]` elements (`\]` and `\"` escaped inside values).
fn structured_data(input: &str) -> IResult<&str, ()> {
    let mut rest = input;
    let mut seen = false;
    while rest.starts_with('[') {
        let mut escaped = false;
        let mut in_quotes = false;
        let mut end = None;
        for (i, c) in rest.char_indices().skip(1) {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_quotes = !in_quotes,
                ']' if !in_quotes => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        rest = &rest[end + 1..];
        seen = true;
    }
    if seen {
        Ok((rest, ()))
    } else {
        Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Char,
        )))
    }
}

/// `Mmm dd hh:mm:ss HOST TAG[PID]: MSG` (or an RFC 3339 timestamp in place of the BSD one).
fn rfc3164(input: &str) -> IResult<&str, Header<'_>> {
    let (rest, (timestamp, bsd)) = syslog_timestamp(input)?;
    let (rest, _) = space1(rest)?;
    let (rest, host) = take_while1(|c: char| !c.is_whitespace())(rest)?;
    let (rest, _) = space1(rest)?;
    let (rest, program) = take_while1(|c: char| !c.is_whitespace() && c != '[' && c != ':')(rest)?;
    let (rest, _) = opt(delimited(char('['), take_till(|c| c == ']'), char(']'))).parse(rest)?;
    let (rest, _) = (char(':'), space0).parse(rest)?;
    Ok((
        rest,
        Header {
            timestamp,
            bsd,
            host,
            program,
            structured: None,
        },
    ))
}

/// `May  2 10:00:01`.
fn bsd_timestamp(input: &str) -> IResult<&str, &str> {
    let digits = |n| take_while_m_n(n, n, |c: char| c.is_ascii_digit());
    recognize((
        take_while_m_n(3, 3, |c: char| c.is_ascii_alphabetic()),
        space1,
        take_while_m_n(1, 2, |c: char| c.is_ascii_digit()),
        space1,
        digits(2),
        char(':'),
        digits(2),
        char(':'),
        digits(2),
        take_while(|c: char| c == '.' || c.is_ascii_digit()),
    ))
    .parse(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Record;

    fn parse(line: &str) -> Record<'_> {
        match Syslog.parse(line.as_bytes()) {
            Parsed::Record(r) => *r,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn both_rfcs() {
        let r = parse(
            "<134>May  2 10:00:01 web1 keysvc[812]: Failed to generate API key: permission denied user=alice",
        );
        assert_eq!(r.attr("host"), Some("web1"));
        assert_eq!(r.attr("program"), Some("keysvc"));
        assert!(r.yearless);
        assert_eq!(r.actor.as_deref(), Some("alice"));
        assert_eq!(
            r.message.as_deref(),
            Some("Failed to generate API key: permission denied user=alice")
        );

        let r = parse(
            r#"<134>1 2024-05-02T10:00:01.123Z web1 keysvc 812 ID47 [ex@32473 iut="3" x="a\]b"] level=error msg="Failed to create API token" user=bob"#,
        );
        assert!(!r.yearless);
        assert_eq!(r.actor.as_deref(), Some("bob"));
        assert_eq!(
            r.time.map(|t| t.to_rfc3339()),
            Some("2024-05-02T10:00:01.123+00:00".into())
        );

        let r = parse("2024-05-02T10:00:01+02:00 web1 sshd[1]: Permission denied (publickey)");
        assert_eq!(r.attr("program"), Some("sshd"));
        assert!(matches!(Syslog.parse(b"just text"), Parsed::Foreign));
    }

    /// A relay's time and host before the original line: the original header counts.
    #[test]
    fn relayed_lines() {
        let r = parse(
            "Dec  2 10:15:41 relay-02 Dec  2 10:15:40 gate-2 keysd[971]: WARN API key not issued: role viewer",
        );
        assert_eq!(r.attr("host"), Some("gate-2"));
        assert_eq!(r.attr("program"), Some("keysd"));
        assert_eq!(
            r.message.as_deref(),
            Some("WARN API key not issued: role viewer")
        );
        let r = parse(
            "2026-12-02T10:15:41Z relay-01 <134>Dec  2 10:15:40 gate-2 keysd[971]: API key denied",
        );
        assert_eq!(r.attr("host"), Some("gate-2"));
        assert_eq!(r.message.as_deref(), Some("API key denied"));
        // A plain line whose program is a word is still one header, not a relay.
        let r = parse("Dec  2 10:15:41 web1 keysd: started");
        assert_eq!(r.attr("program"), Some("keysd"));
    }
}
