//! Text header shapes of common logging libraries beyond `TIMESTAMP LEVEL [logger] message`
//! (which `text.rs` parses): Ruby's `Logger` (Rails), Python's `logging.basicConfig`, and a
//! level found after a prefix of thread, logger, caller or request id (Logback's
//! `[thread] LEVEL logger - msg`, Python's `name - LEVEL - msg`, AWS Lambda's
//! `requestId\tLEVEL\tmsg`, zap's console `LEVEL\tcaller\tmsg`, Bunyan's CLI
//! `LEVEL: name/pid on host: msg`).

use std::sync::LazyLock;

use regex::Regex;

/// What a layout found in a line: time text, level, logger, request id, message.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found<'a> {
    pub timestamp: Option<&'a str>,
    pub level: Option<&'a str>,
    pub logger: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub message: &'a str,
}

const LEVELS: [&str; 14] = [
    "TRACE", "DEBUG", "INFO", "NOTICE", "WARNING", "WARN", "ERROR", "ERR", "FATAL", "CRITICAL",
    "CRIT", "SEVERE", "ALERT", "FAIL",
];

/// Ruby `Logger` (Rails): `E, [2024-05-02T10:00:02.123456 #1234] ERROR -- progname: msg`.
static RUBY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[DIWEFAU], \[(\S+) #\d+\]\s+([A-Z]+) -- ([^:]*): ?(.*)$").expect("ruby layout")
});

/// Python `logging.basicConfig()`: `ERROR:keys.service:msg` (no time).
static PYTHON_BASIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(CRITICAL|ERROR|WARNING|INFO|DEBUG):([\w.]*):(.*)$").expect("python layout")
});

/// A whole line in one of the headerless-in-front layouts.
pub fn line(text: &str) -> Option<Found<'_>> {
    if let Some(c) = RUBY.captures(text) {
        return Some(Found {
            timestamp: c.get(1).map(|m| m.as_str()),
            level: c.get(2).map(|m| m.as_str()),
            logger: c
                .get(3)
                .map(|m| m.as_str().trim())
                .filter(|l| !l.is_empty()),
            request_id: None,
            message: c.get(4).map_or("", |m| m.as_str().trim()),
        });
    }
    let c = PYTHON_BASIC.captures(text)?;
    Some(Found {
        level: c.get(1).map(|m| m.as_str()),
        logger: c.get(2).map(|m| m.as_str()).filter(|l| !l.is_empty()),
        message: c.get(3).map_or("", |m| m.as_str().trim()),
        ..Found::default()
    })
}

/// After a timestamp with no level right behind it: a level among the next few tokens,
/// behind tokens that look like a thread, logger, caller or request id.
pub fn level_after_prefix(message: &str) -> Option<Found<'_>> {
    let mut rest = message;
    let mut request_id = None;
    let mut logger = None;
    for _ in 0..4 {
        let rest_trimmed = rest.trim_start_matches([' ', '\t', '-', '|']);
        let end = rest_trimmed.find([' ', '\t']).unwrap_or(rest_trimmed.len());
        let token = &rest_trimmed[..end];
        let after = &rest_trimmed[end..];
        if let Some(level) = as_level(token) {
            let (logger_after, message) = logger_then_message(after);
            return Some(Found {
                timestamp: None,
                level: Some(level),
                logger: logger_after.or(logger),
                request_id,
                message,
            });
        }
        if !is_prefix_token(token) {
            return None;
        }
        if is_request_id(token) {
            request_id = Some(token);
        } else if !token.starts_with('[') && !token.starts_with('(') {
            logger = Some(token);
        }
        rest = after;
    }
    None
}

fn as_level(token: &str) -> Option<&str> {
    let bare = token
        .trim_matches(['[', ']', '<', '>'])
        .trim_end_matches(':');
    LEVELS
        .iter()
        .any(|l| l.eq_ignore_ascii_case(bare))
        .then_some(bare)
}

/// A thread (`[main]`, `(worker-1)`), a logger (`keys.service`), a request id.
fn is_prefix_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 80
        && (token.starts_with('[') && token.ends_with(']')
            || token.starts_with('(') && token.ends_with(')')
            || is_request_id(token)
            || token.contains(['.', '_', '/']) && !token.contains(['=', '"']))
}

/// A UUID-like id: hex groups joined by dashes.
fn is_request_id(token: &str) -> bool {
    token.len() >= 16
        && token.contains('-')
        && token.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// What follows a level: an optional logger or caller (`c.a.KeyService - `, `keys.go:42\t`,
/// `name/812 on host: `), then the message.
pub fn logger_then_message(after: &str) -> (Option<&str>, &str) {
    let after = after
        .trim_start_matches([' ', ':'])
        .trim_start_matches(['-', '|', ' ']);
    let after = after.strip_prefix("- ").unwrap_or(after).trim_start();
    for separator in [" - ", "\t", ": "] {
        if let Some((head, tail)) = after.split_once(separator) {
            let looks_named = !head.is_empty()
                && head.len() <= 120
                && (head.contains(['.', '/', ':']) && !head.contains(char::is_whitespace)
                    || is_bunyan_origin(head));
            if looks_named {
                return (Some(head), tail.trim());
            }
        }
    }
    (None, after.trim())
}

/// Bunyan's CLI origin: `name/pid on host`.
fn is_bunyan_origin(head: &str) -> bool {
    head.split_once(" on ").is_some_and(|(name, host)| {
        name.contains('/') && !name.contains(' ') && !host.is_empty() && !host.contains(' ')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_layouts() {
        let rails =
            line("E, [2024-05-02T10:00:02.123456 #1234] ERROR -- : Failed to generate API key")
                .unwrap();
        assert_eq!(
            (rails.timestamp, rails.level, rails.message),
            (
                Some("2024-05-02T10:00:02.123456"),
                Some("ERROR"),
                "Failed to generate API key"
            )
        );
        let python = line("ERROR:keys.service:Failed to generate API key: denied").unwrap();
        assert_eq!(
            (python.level, python.logger, python.message),
            (
                Some("ERROR"),
                Some("keys.service"),
                "Failed to generate API key: denied"
            )
        );
        assert_eq!(line("just a line"), None);
        let cases = [
            (
                "- keys.service - ERROR - Failed: denied",
                "ERROR",
                Some("keys.service"),
                None,
                "Failed: denied",
            ),
            (
                "[http-nio-8080-exec-1] ERROR c.a.keys.KeyService - Failed: denied",
                "ERROR",
                Some("c.a.keys.KeyService"),
                None,
                "Failed: denied",
            ),
            (
                "c0ffee00-1111-2222-3333-444455556666\tERROR\tFailed: denied",
                "ERROR",
                None,
                Some("c0ffee00-1111-2222-3333-444455556666"),
                "Failed: denied",
            ),
            (
                "ERROR\tkeys/handler.go:42\tFailed to generate API key\t{\"user\":\"frank\"}",
                "ERROR",
                Some("keys/handler.go:42"),
                None,
                "Failed to generate API key\t{\"user\":\"frank\"}",
            ),
            (
                "ERROR: keysvc/812 on api-1: Failed: denied",
                "ERROR",
                Some("keysvc/812 on api-1"),
                None,
                "Failed: denied",
            ),
        ];
        for (text, level, logger, request_id, message) in cases {
            let found = level_after_prefix(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(found.level, Some(level), "{text}");
            assert_eq!(found.logger, logger, "{text}");
            assert_eq!(found.request_id, request_id, "{text}");
            assert_eq!(found.message, message, "{text}");
        }
        assert_eq!(level_after_prefix("user alice failed to log in"), None);
        assert_eq!(level_after_prefix("an error occurred"), None);
    }
}
