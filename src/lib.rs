//! keydeny finds denied key-generation events (API keys, access keys, tokens) in logs and
//! says why each was denied. The pipeline flows one way:
//!
//! ```text
//! source (walk, decompress) -> blocks / JSON records -> prefilter -> format::parse
//!   -> extract (rules: action? denied?) -> classify (rules: cause) -> aggregate -> report
//! ```
//!
//! `main.rs` only parses flags into a [`config::ScanConfig`] and calls [`app`].

pub mod aggregate;
pub mod app;
pub mod cli;
pub mod config;
pub mod event;
pub mod extract;
pub mod format;
pub mod prefilter;
pub mod redact;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
pub mod trend;
pub mod zone;

use std::io::{self, Write};

use clap::Parser;

use crate::cli::{Cli, Command, RulesCommand};
use crate::config::{ConfigError, ScanConfig};
use crate::rules::RuleSet;

/// Run keydeny with `args` (including the program name); returns the exit code.
pub fn main_with(args: Vec<String>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                err.write_all(text.as_bytes())
            } else {
                out.write_all(text.as_bytes())
            };
            return code;
        }
    };
    match run(cli, out, err) {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            let _ = writeln!(err, "keydeny: error: {message}");
            2
        }
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(Failure::Io(e)) => {
            let _ = writeln!(err, "keydeny: error: {e}");
            2
        }
    }
}

enum Failure {
    Usage(String),
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure::Usage(e.to_string())
    }
}

fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, Failure> {
    match cli.command {
        Command::Summary(args) => {
            let config = ScanConfig::from_args(args.scan, config::now())?;
            Ok(app::summary(&config, &args.report, out, err)?.exit_code())
        }
        Command::Merge(args) => {
            let zone = config::parse_zone(args.tz.as_deref())?;
            let now = config::parse_now(args.now.as_deref(), config::now())?;
            let fail_on = config::parse_thresholds(&args.fail_on)?;
            let options =
                app::ReportOptions::new(&args.report, args.output.as_deref(), zone, now, &fail_on);
            let rules = builtin_rules()?;
            Ok(app::merge(&args.files, &rules, &options, out, err)?.exit_code())
        }
        Command::Events(args) => {
            let config = ScanConfig::from_args(args.scan, config::now())?;
            Ok(app::events(&config, args.format, out, err)?.exit_code())
        }
        Command::Explain { cause } => {
            app::explain(&builtin_rules()?, cause, out)?;
            Ok(0)
        }
        Command::Rules {
            command: RulesCommand::List { rules },
        } => {
            let rules = RuleSet::load(&rules).map_err(|e| Failure::Usage(e.to_string()))?;
            app::rules_list(&rules, out)?;
            Ok(0)
        }
        Command::Rules {
            command: RulesCommand::Check { files },
        } => Ok(rules_check(&files, out, err)?),
    }
}

fn builtin_rules() -> Result<RuleSet, Failure> {
    RuleSet::load(&[] as &[&str]).map_err(|e| Failure::Usage(e.to_string()))
}

/// Validate each file with the built-in rules: `FILE: ok (...)` or the problem; exit 2 on any.
fn rules_check(
    files: &[std::path::PathBuf],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    let mut code = 0;
    for file in files {
        match RuleSet::load(std::slice::from_ref(file)) {
            Ok(set) => {
                let builtin = RuleSet::load(&[] as &[&str])
                    .map(|b| (b.actions.len(), b.denial_ids.len(), b.rules.len()));
                let (a, d, r) = builtin.unwrap_or_default();
                writeln!(
                    out,
                    "{}: ok ({} action(s), {} denial pattern(s), {} rule(s))",
                    file.display(),
                    set.actions.len() - a,
                    set.denial_ids.len() - d,
                    set.rules.len() - r
                )?;
            }
            Err(e) => {
                writeln!(err, "keydeny: {e}")?;
                code = 2;
            }
        }
    }
    Ok(code)
}
