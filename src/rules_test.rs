//! `keydeny rules test RULES LOGFILE`: for each record of a log, which key-generation action,
//! denial and cause rule fired, or why the record is not an event. The quickest way to teach
//! keydeny an application's wording.

use std::io::{self, BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use chrono::Utc;

use crate::event::Platform;
use crate::extract::{Context, Position, extract};
use crate::format::sniff::{self, Sample};
use crate::format::{InputFormat, Outcome, Parsed, Record};
use crate::report::table::cell;
use crate::rules::{MatchedBy, RuleSet};
use crate::source::{self, Input};

/// Print one verdict per line of `log`; exit code 0.
pub fn run(
    rules: &RuleSet,
    log: &Path,
    input_format: Option<InputFormat>,
    out: &mut dyn Write,
) -> io::Result<i32> {
    let input = Input::file(log.display().to_string(), log);
    let (stream, _) = source::open(&input, None)?;
    let (sample, stream) = source::peek(stream, sniff::SAMPLE_BYTES)?;
    let format = input_format.unwrap_or_else(|| sniff::sniff_format(&Sample::new(&sample)));
    writeln!(out, "# {} read as {}", input.display, format.id())?;
    let (mut events, mut lines) = (0, 0);
    for (n, line) in stream.split(b'\n').enumerate() {
        let line = line?;
        lines += 1;
        let verdict = verdict(rules, &line, format, &input.display, n as u64 + 1);
        events += u64::from(verdict.starts_with("EVENT"));
        writeln!(out, "{}:{}: {verdict}", input.display, n + 1)?;
    }
    writeln!(out, "# {events} event(s) in {lines} line(s)")?;
    Ok(0)
}

fn verdict(rules: &RuleSet, raw: &[u8], format: InputFormat, file: &Arc<str>, line: u64) -> String {
    let mut parsed = format.parser().parse(raw);
    let mut format = format;
    if matches!(parsed, Parsed::Foreign)
        || (format.is_json() && !crate::format::looks_like_json(raw))
    {
        // Not of the file's format: read as plain text, as the scanner does.
        format = InputFormat::Text;
        parsed = format.parser().parse(raw);
    }
    let record = match parsed {
        Parsed::Record(record) => record,
        Parsed::Other | Parsed::Foreign => return "-     not a record".into(),
        Parsed::Malformed(reason) => return format!("-     malformed: {reason}"),
    };
    let why_not = why_not(rules, &record);
    let at = Position {
        file,
        format,
        line,
        record: None,
        modified: None,
    };
    match extract(
        *record,
        &Context {
            rules,
            now: Utc::now(),
            redact: true,
            near_misses: false,
        },
        at,
    ) {
        Some(e) => {
            let rule = if e.rule.is_empty() {
                "no cause rule matched".to_string()
            } else {
                format!("rule {}", e.rule)
            };
            format!(
                "EVENT {} by {rule}; action {}; actor {}",
                e.cause,
                e.action,
                e.actor.as_deref().unwrap_or("-")
            )
        }
        None => format!("-     {}", why_not.unwrap_or_else(|| "not an event".into())),
    }
}

/// Why a parsed record is not a denied key generation.
fn why_not(rules: &RuleSet, record: &Record<'_>) -> Option<String> {
    let platform = record.platform.unwrap_or(Platform::App);
    let text = record.message.as_deref().unwrap_or("");
    let Some((action, by)) = rules.match_action(
        platform,
        record.action.as_deref(),
        text,
        record.method.as_deref(),
        record.path.as_deref(),
    ) else {
        return Some(format!(
            "no key-generation action matched: {}",
            cell(text, 60)
        ));
    };
    let how = match by {
        MatchedBy::Name => "name",
        MatchedBy::Message => "message",
        MatchedBy::Path => "path",
    };
    let reason = match record.outcome.unwrap_or(Outcome::Unstated) {
        Outcome::NotDenied => "the record says it was not refused (success or another error)",
        Outcome::Unstated => "no refusal wording (see [[denial]] in `keydeny rules list`)",
        Outcome::Denied => return None,
    };
    Some(format!("action {} (by {how}), but {reason}", action.id))
}
