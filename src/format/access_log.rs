//! Web access logs (FORMATS.md section 7): nginx/Apache `combined` and `common` formats,
//! parsed with nom. A POST/PUT to a key or token route answered 401/402/403 is a refusal;
//! the status is all the log says, so 403 alone is `unknown`.

use std::borrow::Cow;

use nom::bytes::complete::{tag, take_till, take_while1};
use nom::character::complete::{char, digit1, space1};
use nom::combinator::opt;
use nom::sequence::delimited;
use nom::{IResult, Parser};

use super::record::{status_reason, with_text};
use super::sniff::Sample;
use super::{LogFormat, Outcome, Parsed, Record, non_empty, time};
use crate::event::Platform;

pub struct AccessLog;

impl LogFormat for AccessLog {
    fn platforms(&self) -> &'static [crate::event::Platform] {
        &[crate::event::Platform::Http]
    }

    fn is_json(&self) -> bool {
        false
    }

    fn joining(&self) -> Option<super::Joining> {
        None
    }

    fn sniff(&self, sample: &Sample<'_>) -> u32 {
        let share =
            sample.share_of_lines(|l| std::str::from_utf8(l).is_ok_and(|l| line(l).is_ok()));
        if share >= 50 { 80 } else { 0 }
    }

    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        with_text(raw, |text| match line(text) {
            Ok((_, entry)) => Parsed::Record(Box::new(entry.into_record())),
            // Not an access-log line (an error line in the same file): read as text.
            Err(_) => Parsed::Foreign,
        })
    }
}

/// One access-log line.
struct Entry<'a> {
    client: &'a str,
    user: &'a str,
    time: &'a str,
    request: &'a str,
    status: u16,
    agent: Option<&'a str>,
}

impl<'a> Entry<'a> {
    fn into_record(self) -> Record<'a> {
        let mut parts = self.request.split_whitespace();
        let (method, target) = (parts.next(), parts.next());
        let path = target.map(|t| t.split('?').next().unwrap_or(t));
        let reason: Cow<str> = Cow::Owned(status_reason(self.status));
        let mut record = Record {
            time: time::parse_timestamp(self.time),
            platform: Some(Platform::Http),
            outcome: Some(match self.status {
                401..=403 => Outcome::Denied,
                _ => Outcome::NotDenied,
            }),
            status: Some(self.status),
            message: Some(reason.clone()),
            reason: Some(reason),
            method: method.map(Cow::Borrowed),
            path: path.map(Cow::Borrowed),
            actor: non_empty(Some(Cow::Borrowed(self.user))),
            source_ip: Some(Cow::Borrowed(self.client)),
            ..Record::default()
        };
        if let Some(agent) = non_empty(self.agent.map(Cow::Borrowed)) {
            record.attrs.push(("user_agent", agent));
        }
        record
    }
}

/// `client ident user [time] "request" status bytes ["referer" "agent"]`.
fn line(input: &str) -> IResult<&str, Entry<'_>> {
    let token = || take_while1(|c: char| !c.is_whitespace());
    let (rest, client) = token().parse(input)?;
    let (rest, _) = (space1, token(), space1).parse(rest)?;
    let (rest, user) = token().parse(rest)?;
    let (rest, _) = space1(rest)?;
    let (rest, time) = delimited(char('['), take_till(|c| c == ']'), char(']')).parse(rest)?;
    let (rest, _) = space1(rest)?;
    let (rest, request) = quoted(rest)?;
    let (rest, _) = space1(rest)?;
    let (rest, status) = digit1(rest)?;
    let (rest, _) = (space1, token()).parse(rest)?;
    let (rest, referer_agent) = opt((space1, quoted, space1, quoted)).parse(rest)?;
    let status = status.parse().map_err(|_| {
        nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Digit))
    })?;
    Ok((
        rest,
        Entry {
            client,
            user,
            time,
            request,
            status,
            agent: referer_agent.map(|(_, _, _, agent)| agent),
        },
    ))
}

/// A double-quoted field; `\"` inside is kept as is.
fn quoted(input: &str) -> IResult<&str, &str> {
    let (rest, _) = tag("\"")(input)?;
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Ok((&rest[i + 1..], &rest[..i])),
            _ => {}
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(
        input,
        nom::error::ErrorKind::Char,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_and_common() {
        let cases = [
            (
                r#"203.0.113.7 - - [02/May/2024:13:30:05 +0000] "POST /api/v4/users/42/personal_access_tokens HTTP/1.1" 403 27 "-" "curl/8.5.0""#,
                "POST",
                "/api/v4/users/42/personal_access_tokens",
                403,
                None,
            ),
            (
                r#"203.0.113.7 - bob [02/May/2024:13:32:44 +0200] "POST /api/keys?x=1 HTTP/1.1" 402 112"#,
                "POST",
                "/api/keys",
                402,
                Some("bob"),
            ),
        ];
        for (text, method, path, status, user) in cases {
            let Parsed::Record(r) = AccessLog.parse(text.as_bytes()) else {
                panic!("{text}")
            };
            assert_eq!(r.method.as_deref(), Some(method));
            assert_eq!(r.path.as_deref(), Some(path));
            assert_eq!(r.status, Some(status));
            assert_eq!(r.actor.as_deref(), user);
            assert_eq!(r.outcome, Some(Outcome::Denied));
            assert!(r.time.is_some());
        }
        assert!(matches!(
            AccessLog.parse(b"not an access log"),
            Parsed::Foreign
        ));
    }
}
