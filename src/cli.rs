//! Command-line flags as clap parses them: raw values only. [`crate::config`] validates and
//! resolves them into the `Config` the pipeline runs on.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::event::{Cause, Platform};
use crate::format::InputFormat;

#[derive(Debug, Parser)]
#[command(
    name = "keydeny",
    version,
    about = "Find denied API-key, access-key and token generation in logs, and say why",
    long_about = "keydeny reads application and cloud audit logs (files, directories, gzip, zstd, stdin), \
finds every denied attempt to create an API key, access key or token, classifies why it was \
denied and reports it.",
    after_help = "Examples:\n  keydeny summary /var/log/app/\n  keydeny events --format csv -o denied.csv --since 24h logs/\n  keydeny events --cause mfa_required --actor alice cloudtrail/\n  keydeny explain policy_block"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Denied key generations grouped by cause, then actor (default: table).
    Summary(SummaryArgs),
    /// One row per denied key-generation event (table, csv or ndjson).
    Events(EventsArgs),
    /// Combine summary JSON files of disjoint inputs into the summary of their union.
    Merge(MergeArgs),
    /// What each cause means and how to fix it.
    Explain {
        /// One cause id; all causes when omitted.
        #[arg(value_enum)]
        cause: Option<Cause>,
    },
    /// Show the built-in rules or validate a rules file.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List actions, denial wording and cause rules (built-in plus --rules files).
    List {
        /// Extra rules file(s) to load with the built-in rules.
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
    },
    /// Validate rules file(s): errors name file, rule and problem.
    Check {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// How a summary is written (shared by `summary` and `merge`).
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
    /// Actors, tenants and sources listed per group.
    #[arg(long, default_value_t = 5, value_name = "N", help_heading = "Output")]
    pub top: usize,
    /// Report title (markdown and html).
    #[arg(long, value_name = "TEXT", help_heading = "Output")]
    pub title: Option<String>,
    /// An earlier summary JSON: show per cause and top actor what is new, rising, falling or gone.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Summary JSON files (`summary --format json`) of disjoint inputs.
    #[arg(required = true, value_name = "SUMMARY.json")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Write the output to FILE (atomically).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show times in this zone: IANA name or offset. JSON stays UTC.
    #[arg(long, value_name = "ZONE", help_heading = "Output")]
    pub tz: Option<String>,
    /// Exit with 1 when at least N denied events are in the merged summary, or CAUSE=N.
    #[arg(long, value_name = "N|CAUSE=N", help_heading = "Automation")]
    pub fail_on: Vec<String>,
    #[arg(long, value_name = "TIME", hide = true)]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = EventsFormat::Table)]
    pub format: EventsFormat,
    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Table,
    Json,
    Markdown,
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EventsFormat {
    Table,
    Csv,
    Ndjson,
}

/// Options shared by the commands that read logs.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to read (recursively); `-` or nothing reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Write the output to FILE (atomically: a temp file renamed into place).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only events at or after TIME: RFC 3339 (2024-05-02T10:00:00Z, +02:00) or relative (90m, 24h, 7d).
    #[arg(long, value_name = "TIME", help_heading = "Filters")]
    pub since: Option<String>,
    /// Only events before TIME: RFC 3339 or relative (90m, 24h, 7d).
    #[arg(long, value_name = "TIME", help_heading = "Filters")]
    pub until: Option<String>,
    /// Only these platforms (repeat or comma-separate).
    #[arg(long, value_enum, value_delimiter = ',', help_heading = "Filters")]
    pub platform: Vec<Platform>,
    /// Only these causes (repeat or comma-separate).
    #[arg(long, value_enum, value_delimiter = ',', help_heading = "Filters")]
    pub cause: Vec<Cause>,
    /// Only actors containing TEXT (case-insensitive).
    #[arg(long, value_name = "TEXT", help_heading = "Filters")]
    pub actor: Option<String>,
    /// Exit with 1 when at least N denied events match, or CAUSE=N of one cause (repeatable).
    #[arg(long, value_name = "N|CAUSE=N", help_heading = "Automation")]
    pub fail_on: Vec<String>,
    /// Show times in this zone: IANA name (Europe/Berlin) or offset (+05:30). CSV and JSON stay UTC.
    #[arg(long, value_name = "ZONE", help_heading = "Output")]
    pub tz: Option<String>,
    /// Extra rules file(s) in the built-in TOML schema (see `keydeny rules list`).
    #[arg(long = "rules", value_name = "FILE", help_heading = "Input")]
    pub rules: Vec<PathBuf>,
    /// Parse every input as this format instead of sniffing its content.
    #[arg(long, value_enum, help_heading = "Input")]
    pub input_format: Option<InputFormat>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", help_heading = "Performance")]
    pub threads: Option<usize>,
    /// Parse every record instead of skipping those without an action literal (same output, slower).
    #[arg(long, help_heading = "Performance")]
    pub no_prefilter: bool,
    /// Bytes per parallel work unit (testing and tuning).
    #[arg(long, value_name = "BYTES", hide = true, default_value_t = 4 << 20)]
    pub block_size: usize,
    /// The time relative windows and year-less syslog times count from (RFC 3339; testing).
    #[arg(long, value_name = "TIME", hide = true)]
    pub now: Option<String>,
    /// Largest record read, in bytes; longer ones are counted as malformed.
    #[arg(long, value_name = "BYTES", hide = true, default_value_t = 64 << 20)]
    pub max_record_size: usize,
}
