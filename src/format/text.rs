//! Plain-text application logs: `TIMESTAMP [-|] LEVEL [logger] (thread) message key=value...`,
//! parsed with nom. Lines without that header (stack traces, continuation lines, other
//! layouts) are still records: their whole text is the message, with no time.

use std::borrow::Cow;

use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_till, take_while, take_while_m_n};
use nom::character::complete::{char, one_of, space0, space1};
use nom::combinator::{opt, recognize};
use nom::sequence::delimited;
use nom::{IResult, Parser};

use super::app_fields::app_record;
use super::json_object::JsonObject;
use super::logfmt::pairs;
use super::record::with_text;
use super::sniff::Sample;
use super::{LogFormat, Parsed, json_lines, layouts, logfmt, time};

pub struct Text;

impl LogFormat for Text {
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
            sample.share_of_lines(|l| std::str::from_utf8(l).is_ok_and(|l| header(l).is_ok()));
        if share >= 30 { 30 } else { 10 }
    }

    /// Each line on its own: a JSON or logfmt line inside a text log (mixed output of one
    /// process) is read as such, anything else as plain text.
    fn parse<'a>(&self, raw: &'a [u8]) -> Parsed<'a> {
        with_text(raw, parse_message)
    }
}

/// Parse an app-log message (a text line, or the message inside a wrapper), borrowed: a
/// JSON or logfmt line is read as such, anything else as plain text.
pub fn parse_message(message: &str) -> Parsed<'_> {
    let trimmed = message.trim();
    if trimmed.is_empty() {
        return Parsed::Other;
    }
    if trimmed.starts_with('{') {
        if let Parsed::Record(record) = json_lines::JsonLines.parse(trimmed.as_bytes()) {
            return Parsed::Record(record);
        }
    }
    if let Some(pairs) = logfmt::logfmt_pairs(trimmed) {
        return logfmt::record(&pairs);
    }
    parse_line(trimmed)
}

/// The parts of a text log line's header.
struct Header<'a> {
    timestamp: &'a str,
    level: Option<&'a str>,
    logger: Option<&'a str>,
    message: &'a str,
}

/// Parse one plain-text line (also the inner message of the wrapper formats).
pub(crate) fn parse_line(line: &str) -> Parsed<'_> {
    if line.trim().is_empty() {
        return Parsed::Other;
    }
    let mut yearless = false;
    let mut request_id = None;
    let (time, level, logger, message) = match header(line) {
        Ok((_, h)) if h.level.is_none() => match layouts::level_after_prefix(h.message) {
            Some(found) => {
                request_id = found.request_id;
                let time = time::parse_timestamp(h.timestamp);
                (time, found.level, found.logger.or(h.logger), found.message)
            }
            None => (
                time::parse_timestamp(h.timestamp),
                None,
                h.logger,
                h.message,
            ),
        },
        Ok((_, h)) if h.logger.is_none() => {
            // zap's console caller (`keys.go:42\t`), Bunyan's `name/pid on host: `.
            let (logger, message) = layouts::logger_then_message(h.message);
            (time::parse_timestamp(h.timestamp), h.level, logger, message)
        }
        Ok((_, h)) => (
            time::parse_timestamp(h.timestamp),
            h.level,
            h.logger,
            h.message,
        ),
        Err(_) => match (layouts::line(line), klog(line)) {
            (Some(found), _) => {
                let time = found.timestamp.and_then(time::parse_timestamp);
                (time, found.level, found.logger, found.message)
            }
            (None, Ok((_, k))) => {
                yearless = k.time.is_some();
                (k.time, Some(k.level), Some(k.caller), k.message)
            }
            (None, Err(_)) => (None, None, None, line.trim()),
        },
    };
    // The message's `key=value` pairs win over the JSON context's fields of the same name.
    let mut fields = trailing_json(message)
        .map(|context| context.scalars())
        .unwrap_or_default();
    fields.extend(
        pairs(message)
            .into_iter()
            .map(|(k, v)| (Cow::Borrowed(k), v)),
    );
    let mut record = app_record(&fields);
    record.yearless = yearless && record.time.is_none();
    if record.request_id.is_none() {
        record.request_id = request_id.map(Cow::Borrowed);
    }
    record.time = time.or(record.time);
    record.message = Some(Cow::Borrowed(message));
    if let Some(level) = level {
        record.attrs.retain(|(k, _)| *k != "level");
        record.attrs.push(("level", Cow::Borrowed(level)));
    }
    if let Some(logger) = logger {
        record.attrs.push(("logger", Cow::Borrowed(logger)));
    }
    if record.path.as_deref().is_none_or(|p| !p.starts_with('/')) {
        super::app_fields::request_in_message(&mut record);
    }
    Parsed::Record(Box::new(record))
}

/// The JSON context some console layouts append to the message (zap: `msg\t{"user":..}`).
fn trailing_json(message: &str) -> Option<JsonObject<'_>> {
    if !message.ends_with('}') {
        return None;
    }
    message
        .match_indices('{')
        .map(|(i, _)| i)
        .filter(|&i| i > 0 && matches!(message.as_bytes()[i - 1], b'\t' | b' '))
        .take(4)
        .find_map(|open| JsonObject::parse(&message.as_bytes()[open..]).ok())
}

/// A klog header (Kubernetes components, glog): `E0120 10:04:05.123456   1 file.go:12] msg`.
/// Its date has no year: the extractor supplies one, as for RFC 3164 syslog.
struct Klog<'a> {
    level: &'a str,
    time: Option<chrono::DateTime<chrono::Utc>>,
    caller: &'a str,
    message: &'a str,
}

fn klog(line: &str) -> IResult<&str, Klog<'_>> {
    let digits = |n| take_while_m_n(n, n, |c: char| c.is_ascii_digit());
    let (rest, (severity, date, _, clock)) = (
        one_of("IWEF"),
        digits(4),
        space1,
        recognize((
            digits(2),
            char(':'),
            digits(2),
            char(':'),
            digits(2),
            opt((char('.'), take_while(|c: char| c.is_ascii_digit()))),
        )),
    )
        .parse(line)?;
    let (rest, _) = (space1, take_while(|c: char| c.is_ascii_digit()), space1).parse(rest)?;
    let (rest, caller) = take_till(|c| c == ']' || c == ' ').parse(rest)?;
    let (rest, _) = (char(']'), space0).parse(rest)?;
    let level = match severity {
        'I' => "INFO",
        'W' => "WARNING",
        'E' => "ERROR",
        _ => "FATAL",
    };
    // Dated in the leap year 2000 (so 0229 parses); the extractor moves it to the right year.
    let time = time::parse_timestamp(&format!("2000-{}-{}T{clock}Z", &date[..2], &date[2..]));
    Ok((
        "",
        Klog {
            level,
            time,
            caller,
            message: rest.trim_end(),
        },
    ))
}

fn header(line: &str) -> IResult<&str, Header<'_>> {
    let (rest, timestamp) =
        alt((delimited(char('['), timestamp, char(']')), timestamp)).parse(line)?;
    let (rest, _) = separator(rest)?;
    let (rest, level) = opt(level).parse(rest)?;
    let (rest, _) = separator(rest)?;
    let (rest, thread) =
        opt(delimited(char('('), take_till(|c| c == ')'), char(')'))).parse(rest)?;
    let (rest, _) = if thread.is_some() {
        separator(rest)?
    } else {
        (rest, ())
    };
    let (rest, logger) = opt(logger).parse(rest)?;
    let (rest, _) = separator(rest)?;
    Ok((
        "",
        Header {
            timestamp,
            level,
            logger,
            message: rest.trim_end(),
        },
    ))
}

/// `2024-05-02T10:00:01.123+02:00`, `2024-05-02 10:00:01,123`, `2024/05/02 10:00:01Z`, and
/// an offset or `UTC` after a blank (`2024-05-02 09:20:30 +0000`, as `mc` and Go write).
fn timestamp(input: &str) -> IResult<&str, &str> {
    let digits = |n| take_while_m_n(n, n, |c: char| c.is_ascii_digit());
    let fraction = (one_of(".,"), take_while(|c: char| c.is_ascii_digit()));
    let offset = alt((
        tag("Z"),
        recognize((one_of("+-"), digits(2), opt(char(':')), digits(2))),
    ));
    recognize((
        digits(4),
        one_of("-/"),
        digits(2),
        one_of("-/"),
        digits(2),
        one_of("T "),
        digits(2),
        char(':'),
        digits(2),
        char(':'),
        digits(2),
        opt(fraction),
        opt(alt((offset, spaced_offset))),
    ))
    .parse(input)
}

/// ` +0000`, ` -05:00`, ` UTC` after the time.
fn spaced_offset(input: &str) -> IResult<&str, &str> {
    let digits = |n| take_while_m_n(n, n, |c: char| c.is_ascii_digit());
    recognize((
        char(' '),
        alt((
            tag("UTC"),
            recognize((one_of("+-"), digits(2), opt(char(':')), digits(2))),
        )),
    ))
    .parse(input)
}

const LEVELS: [&str; 13] = [
    "TRACE", "DEBUG", "INFO", "NOTICE", "WARNING", "WARN", "ERROR", "ERR", "FATAL", "CRITICAL",
    "CRIT", "SEVERE", "ALERT",
];

fn level(input: &str) -> IResult<&str, &str> {
    let word = |input| {
        LEVELS
            .iter()
            .find_map(|l| {
                tag_no_case::<_, _, nom::error::Error<&str>>(*l)
                    .parse(input)
                    .ok()
            })
            .ok_or_else(|| {
                nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Tag))
            })
    };
    let (rest, level) = alt((delimited(char('['), word, char(']')), word)).parse(input)?;
    let (rest, _) = opt(char(':')).parse(rest)?;
    match rest.chars().next() {
        None | Some(' ' | '\t') => Ok((rest, level)),
        _ => Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Tag,
        ))),
    }
}

/// `[com.acme.KeyService]` or `ApiKeyService:` (an identifier with a dot, underscore or
/// inner capital, so that a message starting `Denied: ...` is not taken for a logger).
fn logger(input: &str) -> IResult<&str, &str> {
    let bracketed = delimited(char('['), take_till(|c| c == ']'), char(']'));
    fn named(input: &str) -> IResult<&str, &str> {
        let end = input.find(": ").unwrap_or(0);
        let name = &input[..end];
        let looks_like_logger = !name.is_empty()
            && !name.contains(char::is_whitespace)
            && (name.contains(['.', '_']) || name.chars().skip(1).any(char::is_uppercase));
        if looks_like_logger {
            Ok((&input[end + 1..], name))
        } else {
            Err(nom::Err::Error(nom::error::Error::new(
                input,
                nom::error::ErrorKind::Tag,
            )))
        }
    }
    alt((bracketed, named)).parse(input)
}

/// Blanks, optionally around one `-` or `|`.
fn separator(input: &str) -> IResult<&str, ()> {
    let (rest, _) = space0(input)?;
    let (rest, dash) = opt(one_of("-|")).parse(rest)?;
    let (rest, _) = if dash.is_some() {
        space1(rest)?
    } else {
        (rest, "")
    };
    Ok((rest, ()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Record;

    fn parse(line: &str) -> Record<'_> {
        match Text.parse(line.as_bytes()) {
            Parsed::Record(r) => *r,
            other => panic!("not a record: {other:?}"),
        }
    }

    #[test]
    fn header_layouts() {
        let cases = [
            (
                "2024-05-02T10:00:01Z ERROR [com.acme.KeyService] Failed to generate API key: permission denied user=alice",
                Some("2024-05-02T10:00:01+00:00"),
                Some("ERROR"),
                Some("com.acme.KeyService"),
                "Failed to generate API key: permission denied user=alice",
            ),
            (
                "2024-05-02 10:00:01,123 WARN  ApiKeyService: key limit reached",
                Some("2024-05-02T10:00:01.123+00:00"),
                Some("WARN"),
                Some("ApiKeyService"),
                "key limit reached",
            ),
            (
                "2024-05-02T10:00:01.5+02:00 | error | Denied: nope",
                Some("2024-05-02T08:00:01.500+00:00"),
                Some("error"),
                None,
                "Denied: nope",
            ),
            (
                "[2024-05-02 10:00:01] [ERROR] (executor-1) [svc] boom",
                Some("2024-05-02T10:00:01+00:00"),
                Some("ERROR"),
                Some("svc"),
                "boom",
            ),
            (
                "\tat com.acme.Foo(Foo.java:1)",
                None,
                None,
                None,
                "at com.acme.Foo(Foo.java:1)",
            ),
            (
                // Issue 10: the offset after a blank is part of the time, not the message.
                "2024-05-02 09:20:30 +0000 mc: <ERROR> Unable to add a new service account.",
                Some("2024-05-02T09:20:30+00:00"),
                None,
                None,
                "mc: <ERROR> Unable to add a new service account.",
            ),
            (
                "2024-05-02 09:20:30 -05:00 ERROR denied",
                Some("2024-05-02T14:20:30+00:00"),
                Some("ERROR"),
                None,
                "denied",
            ),
            (
                "2024-05-02 09:20:30 UTC WARN slow",
                Some("2024-05-02T09:20:30+00:00"),
                Some("WARN"),
                None,
                "slow",
            ),
            (
                "2024-05-02 10:00:01 information only",
                Some("2024-05-02T10:00:01+00:00"),
                None,
                None,
                "information only",
            ),
        ];
        for (line, time, level, logger, message) in cases {
            let r = parse(line);
            assert_eq!(r.time.map(|t| t.to_rfc3339()).as_deref(), time, "{line}");
            assert_eq!(r.attr("level"), level, "{line}");
            assert_eq!(r.attr("logger"), logger, "{line}");
            assert_eq!(r.message.as_deref(), Some(message), "{line}");
        }
    }

    #[test]
    fn key_values_fill_fields() {
        let r = parse(
            "2024-05-02T10:00:01Z ERROR denied user=alice tenant=acme ip=203.0.113.5 status=403",
        );
        assert_eq!(r.actor.as_deref(), Some("alice"));
        assert_eq!(r.tenant.as_deref(), Some("acme"));
        assert_eq!(r.source_ip.as_deref(), Some("203.0.113.5"));
        assert_eq!(r.status, Some(403));
    }
}
