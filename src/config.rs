//! From raw flags to validated configurations, the second of the two stages (ripgrep's
//! hiargs): [`ScanConfig`] for reading logs, [`ReportConfig`] for writing a summary,
//! [`WatchConfig`] for following files. Times resolved, rules compiled, filters normalised,
//! each flag parsed once. Every user mistake is caught here with a message that says what was
//! expected. Past `cmd/` nothing sees a clap type.

use std::io;
use std::path::PathBuf;
use std::time::Duration as Interval;

use chrono::{DateTime, Duration, Utc};

use crate::aggregate::GroupBy;
use crate::cli::{MergeArgs, ReportArgs, ScanArgs, WatchArgs};
use crate::event::{Cause, Event, Platform};
use crate::format::InputFormat;
use crate::report::SummaryFormat;
use crate::rules::{RuleError, RuleSet};
use crate::terminal::Terminal;
use crate::zone::Zone;

/// The time window asked for with `--since/--until` (`until` is exclusive).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Everything a scanning command runs on.
pub struct ScanConfig {
    pub paths: Vec<String>,
    /// Read stdin when `paths` is empty (not with `--files-from`, whose list may be empty).
    pub stdin_if_none: bool,
    pub output: Option<PathBuf>,
    pub window: Window,
    pub platforms: Vec<Platform>,
    pub causes: Vec<Cause>,
    /// Lower-cased actor substring.
    pub actor: Option<String>,
    pub fail_on: Vec<Threshold>,
    pub rules: RuleSet,
    pub input_format: Option<InputFormat>,
    pub threads: Option<usize>,
    pub prefilter: bool,
    pub block_size: usize,
    pub max_record: usize,
    /// The time relative windows and year-less timestamps count from.
    pub now: DateTime<Utc>,
    /// The zone times are shown in (tables and reports).
    pub zone: Zone,
    pub terminal: Terminal,
    /// No warnings about malformed records.
    pub quiet: bool,
    /// Mask credentials in every output (`--no-redact` turns it off).
    pub redact: bool,
    /// Collect near-misses too (`keydeny near-misses`).
    pub near_misses: bool,
}

/// How a summary report is written (`summary`, `merge`).
#[derive(Clone)]
pub struct ReportConfig {
    pub format: SummaryFormat,
    /// Actors, tenants and sources listed per group.
    pub top: usize,
    /// Rows of `--by`.
    pub by_rows: usize,
    pub by: Option<GroupBy>,
    /// Every remediation step under each cause (table).
    pub explain: bool,
    pub title: Option<String>,
    pub baseline: Option<PathBuf>,
    pub zone: Zone,
    /// When the report says it was generated.
    pub now: DateTime<Utc>,
    pub output: Option<PathBuf>,
    pub fail_on: Vec<Threshold>,
    pub terminal: Terminal,
    /// Whether credentials in the report are masked.
    pub redact: bool,
}

impl ReportConfig {
    /// The report flags, with the zone, time, output and thresholds already resolved.
    pub fn new(args: &ReportArgs, scan: &ScanConfig) -> ReportConfig {
        ReportConfig {
            format: args.format,
            top: args.top.unwrap_or(5),
            by_rows: args.top.unwrap_or(20),
            by: None,
            explain: false,
            title: args.title.clone(),
            baseline: args.baseline.clone(),
            zone: scan.zone,
            now: scan.now,
            output: scan.output.clone(),
            fail_on: scan.fail_on.clone(),
            terminal: scan.terminal,
            redact: scan.redact,
        }
    }
}

impl ReportConfig {
    /// `merge`'s flags: it reads summaries, not logs, so zone, time and thresholds are its own.
    pub fn for_merge(args: &MergeArgs, terminal: Terminal) -> Result<ReportConfig, ConfigError> {
        Ok(ReportConfig {
            format: args.report.format,
            top: args.report.top.unwrap_or(5),
            by_rows: args.report.top.unwrap_or(20),
            by: args.by,
            explain: false,
            title: args.report.title.clone(),
            baseline: args.report.baseline.clone(),
            zone: parse_zone(args.tz.as_deref())?,
            now: parse_now(args.now.as_deref(), now()?)?,
            output: args.output.clone(),
            fail_on: parse_thresholds(&args.fail_on)?,
            terminal,
            redact: true,
        })
    }
}

/// What `watch` follows and how it shows it.
pub struct WatchConfig {
    /// How records are read: rules, prefilter, formats (paths are `paths` below).
    pub scan: ScanConfig,
    pub paths: Vec<String>,
    /// Also read what the files already hold.
    pub from_start: bool,
    pub poll: Interval,
}

impl WatchConfig {
    pub fn from_args(args: WatchArgs, now: DateTime<Utc>) -> Result<WatchConfig, ConfigError> {
        let zone = parse_zone(args.tz.as_deref())?;
        Ok(WatchConfig {
            scan: ScanConfig {
                rules: RuleSet::load(&args.rules)?,
                paths: Vec::new(),
                stdin_if_none: false,
                output: None,
                window: Window::default(),
                platforms: Vec::new(),
                causes: Vec::new(),
                actor: None,
                fail_on: Vec::new(),
                input_format: args.input_format,
                threads: None,
                prefilter: true,
                block_size: 1 << 20,
                max_record: 64 << 20,
                now,
                zone,
                terminal: Terminal::default(),
                quiet: false,
                redact: true,
                near_misses: false,
            },
            paths: args.paths,
            from_start: args.from_start,
            poll: Interval::from_millis(args.poll_ms.max(10)),
        })
    }
}

/// A usage problem: printed as `keydeny: error: ...`, exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid {flag} value {value:?}: {problem}")]
    Flag {
        flag: &'static str,
        value: String,
        problem: String,
    },
    #[error("{0}")]
    Rules(#[from] RuleError),
    #[error("cannot read the list of inputs --files-from {list}: {source}")]
    FileList { list: String, source: io::Error },
}

impl ScanConfig {
    /// Validate `args`; relative times count back from `now`.
    pub fn from_args(args: ScanArgs, now: DateTime<Utc>) -> Result<ScanConfig, ConfigError> {
        let now = parse_now(args.now.as_deref(), now)?;
        let zone = parse_zone(args.tz.as_deref())?;
        let window = parse_window(args.since.as_deref(), args.until.as_deref(), now, zone)?;
        if args.threads == Some(0) {
            return Err(ConfigError::Flag {
                flag: "--threads",
                value: "0".into(),
                problem: "expected at least 1 thread".into(),
            });
        }
        let (paths, stdin_if_none) = input_paths(args.paths, args.files_from.as_deref())?;
        Ok(ScanConfig {
            rules: RuleSet::load(&args.rules)?,
            paths,
            stdin_if_none,
            output: args.output,
            window,
            platforms: args.platform,
            causes: args.cause,
            actor: args.actor.map(|a| a.to_lowercase()),
            fail_on: parse_thresholds(&args.fail_on)?,
            input_format: args.input_format,
            threads: args.threads,
            prefilter: !args.no_prefilter,
            block_size: args.block_size.max(1),
            max_record: args.max_record_size.max(1024),
            now,
            zone,
            terminal: Terminal::default(),
            quiet: false,
            redact: !args.no_redact,
            near_misses: false,
        })
    }

    /// The same configuration, writing for `terminal`.
    pub fn with_terminal(mut self, terminal: Terminal, quiet: bool) -> ScanConfig {
        self.terminal = terminal;
        self.quiet = quiet;
        self
    }

    /// Whether an event passes the window and the filters.
    pub fn keeps(&self, event: &Event) -> bool {
        let in_window = match (self.window.since, self.window.until, event.time) {
            (None, None, _) => true,
            (_, _, None) => false,
            (since, until, Some(t)) => since.is_none_or(|s| t >= s) && until.is_none_or(|u| t < u),
        };
        in_window
            && (self.platforms.is_empty() || self.platforms.contains(&event.platform))
            && (self.causes.is_empty() || self.causes.contains(&event.cause))
            && self.actor.as_deref().is_none_or(|wanted| {
                event
                    .actor
                    .as_deref()
                    .is_some_and(|a| a.to_lowercase().contains(wanted))
            })
    }
}

/// The paths and URLs of a `--files-from` list (`-`: stdin), one per line; blank lines and
/// line-end whitespace (`\r` of a Windows list) are ignored.
fn read_file_list(list: &str) -> Result<Vec<String>, ConfigError> {
    let text = if list == "-" {
        io::read_to_string(io::stdin())
    } else {
        std::fs::read_to_string(list)
    };
    let text = text.map_err(|source| ConfigError::FileList {
        list: list.to_string(),
        source,
    })?;
    Ok(text
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect())
}

/// `--since` and `--until`: relative times count back from `now`; the window must not be empty.
pub fn parse_window(
    since: Option<&str>,
    until: Option<&str>,
    now: DateTime<Utc>,
    zone: Zone,
) -> Result<Window, ConfigError> {
    let window = Window {
        since: time_flag("--since", since, now, zone)?,
        until: time_flag("--until", until, now, zone)?,
    };
    if let (Some(start), Some(end)) = (window.since, window.until) {
        if start >= end {
            return Err(ConfigError::Flag {
                flag: "--until",
                value: until.unwrap_or_default().into(),
                problem: format!(
                    "the window is empty: --until must be after --since ({})",
                    zone.format(start)
                ),
            });
        }
    }
    Ok(window)
}

/// The paths of a command plus those of its `--files-from` list; and whether stdin is the
/// input when there are none (not with a list, which may be empty on purpose).
pub fn input_paths(
    paths: Vec<String>,
    files_from: Option<&str>,
) -> Result<(Vec<String>, bool), ConfigError> {
    let mut paths = paths;
    if let Some(list) = files_from {
        paths.extend(read_file_list(list)?);
    }
    Ok((paths, files_from.is_none()))
}

/// A `--fail-on` limit: on the total (`10`) or on one cause (`mfa_required=1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threshold {
    pub cause: Option<Cause>,
    pub limit: u64,
}

/// `; did you mean "x"?` for the closest candidate, or nothing when none is close.
pub fn did_you_mean<'a>(found: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let found = found.to_ascii_lowercase();
    candidates
        .map(|c| (strsim::jaro_winkler(&found, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("; did you mean {c:?}?"))
        .unwrap_or_default()
}

/// `--tz`, UTC when absent.
pub fn parse_zone(text: Option<&str>) -> Result<Zone, ConfigError> {
    text.map_or(Ok(Zone::default()), |t| {
        t.parse().map_err(|problem: String| {
            let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
            let problem = format!("{problem}{}", did_you_mean(t, names));
            ConfigError::Flag {
                flag: "--tz",
                value: t.into(),
                problem,
            }
        })
    })
}

/// `--now`, or the clock.
pub fn parse_now(text: Option<&str>, clock: DateTime<Utc>) -> Result<DateTime<Utc>, ConfigError> {
    text.map_or(Ok(clock), |value| {
        DateTime::parse_from_rfc3339(value)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ConfigError::Flag {
                flag: "--now",
                value: value.into(),
                problem: "expected an RFC 3339 time like 2024-05-02T10:00:00Z".into(),
            })
    })
}

/// Every `--fail-on` value.
pub fn parse_thresholds(values: &[String]) -> Result<Vec<Threshold>, ConfigError> {
    values.iter().map(|t| parse_threshold(t)).collect()
}

fn parse_threshold(text: &str) -> Result<Threshold, ConfigError> {
    let problem = |problem: String| ConfigError::Flag {
        flag: "--fail-on",
        value: text.into(),
        problem,
    };
    let (cause, number) = match text.split_once('=') {
        Some((cause, number)) => {
            let cause = Cause::from_id(cause.trim()).ok_or_else(|| {
                let known: Vec<&str> = Cause::ALL.iter().map(|c| c.id()).collect();
                let tip = did_you_mean(cause.trim(), known.iter().copied());
                problem(format!(
                    "unknown cause {cause:?} (expected one of: {}){tip}",
                    known.join(", ")
                ))
            })?;
            (Some(cause), number)
        }
        None => (None, text),
    };
    let limit = number
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            problem("expected a count like 10, or CAUSE=COUNT like mfa_required=1".into())
        })?;
    Ok(Threshold { cause, limit })
}

/// "now" for relative times: the clock, or `KEYDENY_NOW` (RFC 3339) for reproducible runs. A
/// `KEYDENY_NOW` that is set but not a time is an error, never silently the clock.
pub fn now() -> Result<DateTime<Utc>, ConfigError> {
    now_from(std::env::var("KEYDENY_NOW").ok().as_deref(), Utc::now())
}

fn now_from(value: Option<&str>, clock: DateTime<Utc>) -> Result<DateTime<Utc>, ConfigError> {
    match value.map(str::trim) {
        None | Some("") => Ok(clock),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ConfigError::Flag {
                flag: "KEYDENY_NOW",
                value: text.into(),
                problem: "expected an RFC 3339 time like 2024-05-02T10:00:00Z".into(),
            }),
    }
}

fn time_flag(
    flag: &'static str,
    value: Option<&str>,
    now: DateTime<Utc>,
    zone: Zone,
) -> Result<Option<DateTime<Utc>>, ConfigError> {
    value
        .map(|v| {
            parse_time(v, now, zone).map_err(|problem| ConfigError::Flag {
                flag,
                value: v.into(),
                problem,
            })
        })
        .transpose()
}

/// `90m`, `24h`, `7d`, `2w`, `30s` before `now`; an RFC 3339 time with offset; or a date
/// (`2024-05-02`), meaning the start of that day in `zone`.
pub fn parse_time(value: &str, now: DateTime<Utc>, zone: Zone) -> Result<DateTime<Utc>, String> {
    const EXPECTED: &str = "expected a duration like 90m, 24h, 7d, a date like 2024-05-02 or an RFC 3339 time like 2024-05-02T10:00:00Z";
    let value = value.trim();
    if let Some(ago) = parse_duration(value) {
        return now
            .checked_sub_signed(ago)
            .ok_or_else(|| "duration too large".to_string());
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return zone
            .start_of_day(day)
            .ok_or_else(|| format!("{value} has no start of day in {}", zone.name()));
    }
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| EXPECTED.to_string())
}

fn parse_duration(value: &str) -> Option<Duration> {
    let split = value.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = value.split_at(split);
    let amount: i64 = digits.parse().ok()?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    Duration::try_seconds(amount.checked_mul(seconds)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_flags() {
        let now = DateTime::parse_from_rfc3339("2024-05-02T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let cases = [
            ("90m", Ok("2024-05-02T10:30:00+00:00")),
            ("24h", Ok("2024-05-01T12:00:00+00:00")),
            ("7d", Ok("2024-04-25T12:00:00+00:00")),
            ("2024-05-02T10:00:00+05:30", Ok("2024-05-02T04:30:00+00:00")),
            ("2024-05-02T10:00:00Z", Ok("2024-05-02T10:00:00+00:00")),
            ("2024-05-02", Ok("2024-05-02T00:00:00+00:00")),
            ("7x", Err(())),
            ("2024-13-02", Err(())),
            ("yesterday", Err(())),
            ("2024-05-02 10:00", Err(())),
            ("99999999999999999d", Err(())),
        ];
        for (input, expected) in cases {
            let got = parse_time(input, now, Zone::default())
                .map(|t| t.to_rfc3339())
                .map_err(|_| ());
            assert_eq!(got, expected.map(str::to_string), "{input}");
        }
        let berlin: Zone = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            parse_time("2024-05-02", now, berlin).unwrap().to_rfc3339(),
            "2024-05-01T22:00:00+00:00"
        );
    }

    #[test]
    fn keydeny_now_is_a_time_or_an_error() {
        let clock = Utc::now();
        assert_eq!(now_from(None, clock).unwrap(), clock);
        assert_eq!(now_from(Some(""), clock).unwrap(), clock);
        assert_eq!(
            now_from(Some("2024-05-02T10:00:00Z"), clock)
                .unwrap()
                .to_rfc3339(),
            "2024-05-02T10:00:00+00:00"
        );
        let error = now_from(Some("yesterday"), clock).unwrap_err().to_string();
        assert_eq!(
            error,
            "invalid KEYDENY_NOW value \"yesterday\": expected an RFC 3339 time like 2024-05-02T10:00:00Z"
        );
    }
}
