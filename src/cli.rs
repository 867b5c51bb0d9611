//! Command-line flags as clap parses them: raw values only. [`crate::config`] validates and
//! resolves them into the `Config` the pipeline runs on.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::aggregate::GroupBy;
use crate::event::{Cause, Platform};
use crate::format::InputFormat;
use crate::report::{EventsFormat, SummaryFormat};
use crate::terminal::ColorChoice;

/// The exit codes, at the end of every `--help` (and in the man pages' EXIT STATUS).
macro_rules! exit_codes {
    () => {
        "Exit status:\n  0  success\n  1  a --fail-on threshold was reached\n  2  usage error, fatal error, or an unreadable input (the rest is processed)"
    };
}

/// The environment variables keydeny reads (top-level `--help` and the man pages).
macro_rules! environment {
    () => {
        "Environment:\n  NO_COLOR     set (non-empty): no colour with --color auto\n  KEYDENY_NOW  the time (RFC 3339) that relative --since/--until count back from\n  LC_ALL, LC_CTYPE, LANG   not UTF-8: sparklines in ASCII, as with --ascii"
    };
}

#[derive(Debug, Parser)]
#[command(
    name = "keydeny",
    version,
    about = "Find denied API-key, access-key and token generation in logs, and say why",
    long_about = "keydeny reads application and cloud audit logs (files, directories, gzip, zstd, stdin), \
finds every denied attempt to create an API key, access key or token, classifies why it was \
denied and reports it.",
    after_help = concat!("Examples:\n  keydeny summary /var/log/app/                  # who fails to create keys, why\n  keydeny summary --by actor --since 1h logs/    # per actor, for the last hour\n  keydeny events --cause mfa_required --actor alice logs/\n  keydeny events --format csv -o denied.csv --since 7d logs/\n  keydeny summary --format html -o report.html --baseline last.json logs/\n  keydeny watch /var/log/app/                    # follow live logs\n  keydeny explain policy_block                   # a cause and what to do\n  keydeny rules test my-rules.toml app.log       # teach keydeny your log\n\n", environment!(), "\n\n", exit_codes!())
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour: auto (when stdout is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// No progress bar and no warnings about malformed records on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Fit tables into N columns (default: the terminal's width; no limit when piped).
    #[arg(long, value_name = "N", global = true, hide = true)]
    pub width: Option<usize>,
    /// Draw sparklines with ASCII characters only (also when the locale is not UTF-8).
    #[arg(long, global = true)]
    pub ascii: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Denied key generations grouped by cause, then actor (default: table).
    #[command(
        after_help = concat!("Examples:\n  keydeny summary /var/log/app/\n  keydeny summary --by actor --since 1h /var/log/\n  keydeny summary --explain --cause mfa_required logs/\n  keydeny summary --format html -o report.html --tz Europe/Berlin \\\n      --baseline last.json logs/\n  keydeny summary --format json -o today.json --fail-on 50 \\\n      --fail-on mfa_required=1 logs/\n\n", exit_codes!())
    )]
    Summary(SummaryArgs),
    /// One row per denied key-generation event (table, csv or ndjson).
    #[command(
        after_help = concat!("Examples:\n  keydeny events --cause mfa_required --actor alice --since 1h logs/\n  keydeny events --format csv -o denied.csv \\\n      --since 2024-05-01 --until 2024-05-08 logs/\n  keydeny events --format ndjson logs/ | jq .reason\n  zcat trail.json.gz | keydeny events --platform aws\n\n", exit_codes!())
    )]
    Events(EventsArgs),
    /// Combine summary JSON files of disjoint inputs into the summary of their union.
    #[command(
        after_help = concat!("Examples:\n  keydeny merge --format html -o report.html web1.json web2.json\n\nThe same input in two summaries is refused: every summary carries a digest\nof each input it read.\n\n", exit_codes!())
    )]
    Merge(MergeArgs),
    /// What keydeny almost counted, by message shape: credentials refused without an act of
    /// creating them, key generations that failed without a known refusal, unknown causes.
    #[command(
        name = "near-misses",
        after_help = "Each line: how many records, the concept keydeny did not find (creation, refusal or cause), the message shape (ids, numbers and names masked) and where it was first seen. Teach keydeny the missing words with a rules file ([[concept]] tables; see `keydeny rules list`).\n\nExamples:\n  keydeny near-misses /var/log/app/\n  keydeny near-misses --top 0 app.log          every shape\n  keydeny near-misses --rules mine.toml app.log   after teaching keydeny new words"
    )]
    NearMisses(NearMissesArgs),
    /// List the inputs a scan would read, one per line: files, and objects of object stores
    /// after window pruning (to split the work into shards, e.g. for Spark).
    #[command(
        after_help = "Examples:\n  keydeny ls --since 7d s3://trail-bucket/AWSLogs/ > objects.txt\n  keydeny ls /var/log/app/ | split -n r/4 - shard-"
    )]
    Ls(LsArgs),
    /// Follow log files (like tail -F) and print each denied key generation as it happens.
    #[command(
        after_help = concat!("Examples:\n  keydeny watch /var/log/app/\n  keydeny watch --from-start --tz Europe/Berlin app.log\n\nA path that does not exist yet is waited for. Ctrl-C prints the summary.\n\n", exit_codes!())
    )]
    Watch(WatchArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = exit_codes!())]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a manual page (roff), or write one per command into a directory.
    #[command(
        after_help = concat!("Examples:\n  keydeny man | man -l -\n  keydeny man summary > keydeny-summary.1\n  keydeny man --dir /usr/local/share/man/man1\n\n", exit_codes!())
    )]
    Man {
        /// The command whose page to print (`summary`, `rules-test`, ...); the top-level page
        /// when omitted.
        #[arg(value_name = "COMMAND", conflicts_with = "dir")]
        command: Option<String>,
        /// Write keydeny.1 and a page per command (keydeny-summary.1, ...) into DIR.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// What each cause means and how to fix it.
    #[command(after_help = exit_codes!())]
    Explain {
        /// One cause id; all causes when omitted.
        #[arg(value_enum)]
        cause: Option<Cause>,
    },
    /// Show the built-in rules or validate a rules file.
    #[command(after_help = exit_codes!())]
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
    /// Validate rules file(s): errors name file, rule, line and column, and the problem.
    Check {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Show, record by record (a line, or a record of a JSON document), how the rules read
    /// a log: which action, denial and cause rule fired, or why none did.
    Test {
        /// The rules file to add to the built-in rules.
        #[arg(value_name = "RULES.toml")]
        rules: PathBuf,
        /// A log file (any format keydeny reads).
        #[arg(value_name = "LOGFILE")]
        log: PathBuf,
        /// Parse the log as this format instead of sniffing it.
        #[arg(long, value_enum)]
        input_format: Option<InputFormat>,
    },
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Group the table by actor, tenant, platform, source-ip or action instead of by cause.
    #[arg(long, value_enum, help_heading = "Output")]
    pub by: Option<GroupBy>,
    /// Print every remediation step under each cause (table format).
    #[arg(long, help_heading = "Output")]
    pub explain: bool,
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// How a summary is written (shared by `summary` and `merge`).
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
    /// Actors, tenants and sources listed per group (default 5), or rows of --by (default 20).
    #[arg(long, value_name = "N", help_heading = "Output")]
    pub top: Option<usize>,
    /// Report title (markdown and html).
    #[arg(long, value_name = "TEXT", help_heading = "Output")]
    pub title: Option<String>,
    /// An earlier summary JSON: show per cause and top actor what is new, rising, falling or gone.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct NearMissesArgs {
    /// Shapes listed, most frequent first (0: all).
    #[arg(long, default_value_t = 30, value_name = "N", help_heading = "Output")]
    pub top: usize,
    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Summary JSON files (`summary --format json`) of disjoint inputs; `-` reads stdin. A
    /// file may hold several summaries, one per line.
    #[arg(required = true, value_name = "SUMMARY.json|-")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Group the table by actor, tenant, platform, source-ip or action instead of by cause.
    #[arg(long, value_enum, help_heading = "Output")]
    pub by: Option<GroupBy>,
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
pub struct LsArgs {
    /// Files, directories (recursively) or object-store prefixes.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Read more inputs from FILE, one path or URL per line (`-`: from stdin).
    #[arg(long, value_name = "FILE|-")]
    pub files_from: Option<String>,
    /// Leave out objects that cannot hold events at or after TIME (RFC 3339 or 90m, 24h, 7d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Leave out objects that cannot hold events before TIME (RFC 3339 or 90m, 24h, 7d).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
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

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Files or directories to follow (new files in a directory are picked up).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// Also read what the files already hold (default: only what is appended from now on).
    #[arg(long)]
    pub from_start: bool,
    /// Extra rules file(s).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Parse every file as this format instead of sniffing it.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Show times in this zone: IANA name or offset.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// How often to look for new data, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 250, hide = true)]
    pub poll_ms: u64,
}

/// Options shared by the commands that read logs.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files, directories (recursively) or object-store prefixes (s3://bucket/prefix,
    /// gs://bucket/prefix, az://container/prefix); `-` or nothing reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Read more inputs from FILE, one path or URL per line (`-`: from stdin); an empty
    /// list reads nothing (not stdin). For Spark `RDD.pipe`, Hadoop Streaming, `find | ...`.
    #[arg(long, value_name = "FILE|-", help_heading = "Input")]
    pub files_from: Option<String>,
    /// Write the output to FILE (atomically: a temp file renamed into place).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only events at or after TIME: RFC 3339 (2024-05-02T10:00:00Z, +02:00), a date
    /// (2024-05-02: the start of that day in --tz, else UTC) or relative (90m, 24h, 7d).
    #[arg(long, value_name = "TIME", help_heading = "Filters")]
    pub since: Option<String>,
    /// Only events before TIME: RFC 3339, a date (the start of that day in --tz, else UTC) or
    /// relative (90m, 24h, 7d).
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
    /// Show credentials found in logs as they are (default: masked to `****` + last 4). The
    /// report header records it.
    #[arg(long, help_heading = "Output")]
    pub no_redact: bool,
    /// Bytes per parallel work unit (testing and tuning).
    #[arg(long, value_name = "BYTES", hide = true, default_value_t = 1 << 20)]
    pub block_size: usize,
    /// The time relative windows and year-less syslog times count from (RFC 3339; testing).
    #[arg(long, value_name = "TIME", hide = true)]
    pub now: Option<String>,
    /// Largest record (line or JSON record) read, in bytes; longer ones are counted as
    /// malformed with file and line, and never held in memory.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20, help_heading = "Input")]
    pub max_record_size: usize,
}
