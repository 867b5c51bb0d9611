//! keydeny finds denied key-generation events (API keys, access keys, tokens) in logs and
//! says why each was denied. The pipeline flows one way:
//!
//! ```text
//! source (walk, object stores, decompress) -> blocks / JSON records -> prefilter -> format::parse
//!   -> extract (rules: action? denied?) -> classify (rules: cause) -> aggregate -> report
//! ```
//!
//! `main.rs` only parses flags into a [`config::ScanConfig`] and calls [`app`].

pub mod aggregate;
pub mod app;
pub mod cli;
pub mod config;
pub mod digest;
pub mod error;
pub mod event;
pub mod extract;
pub mod format;
pub mod interrupt;
pub mod man;
pub mod near_misses;
pub mod output;
pub mod prefilter;
pub mod progress;
pub mod redact;
pub mod report;
pub mod rules;
pub mod rules_test;
pub mod scan;
pub mod source;
pub mod terminal;
pub mod trend;
pub mod vocab;
pub mod watch;
pub mod zone;

use std::io::{self, Write};

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command, RulesCommand};
use crate::config::{ConfigError, ScanConfig};
use crate::rules::RuleSet;
use crate::terminal::{Streams, Terminal};

/// Run keydeny with `args` (including the program name); returns the exit code.
pub fn main_with(args: Vec<String>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    main_with_streams(args, out, err, Streams::default())
}

/// [`main_with`] for streams with known terminal facts (`main` passes the real ones).
pub fn main_with_streams(
    args: Vec<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    streams: Streams,
) -> i32 {
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
    match run(cli, out, err, streams) {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            let _ = writeln!(err, "keydeny: error: {message}");
            2
        }
        // A closed pipe (`| head`) is how a reader says "enough": exit quietly, as rg does.
        Err(Failure::Io(e)) if is_broken_pipe(&e) => 0,
        Err(Failure::Io(e)) if interrupt::is_stop(&e) => {
            let _ = writeln!(err, "keydeny: interrupted");
            interrupt::EXIT_CODE
        }
        Err(Failure::Io(e)) => {
            let _ = writeln!(err, "keydeny: error: {e}");
            2
        }
    }
}

/// Whether `error`, or an error it wraps (the CSV writer wraps its I/O errors), is a
/// broken pipe.
fn is_broken_pipe(error: &io::Error) -> bool {
    if error.kind() == io::ErrorKind::BrokenPipe {
        return true;
    }
    // `io::Error::source` skips the wrapped error itself, so descend through `get_ref`.
    let mut current = error
        .get_ref()
        .map(|e| e as &(dyn std::error::Error + 'static));
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return is_broken_pipe(io);
        }
        if let Some(csv::ErrorKind::Io(io)) = e.downcast_ref::<csv::Error>().map(csv::Error::kind) {
            return is_broken_pipe(io);
        }
        current = e.source();
    }
    false
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

impl From<rules::RuleError> for Failure {
    fn from(e: rules::RuleError) -> Self {
        Failure::Usage(e.to_string())
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure::Usage(e.to_string())
    }
}

fn run(
    cli: Cli,
    out: &mut dyn Write,
    err: &mut dyn Write,
    streams: Streams,
) -> Result<i32, Failure> {
    let mut terminal = Terminal::new(streams, cli.color, cli.width, cli.quiet);
    terminal.ascii |= cli.ascii;
    match cli.command {
        Command::Summary(args) => {
            let config = ScanConfig::from_args(args.scan, config::now()?)?
                .with_terminal(terminal, cli.quiet);
            let view = app::TableView {
                by: args.by,
                explain: args.explain,
            };
            Ok(app::summary(&config, &args.report, view, out, err)?.exit_code())
        }
        Command::Merge(args) => {
            let zone = config::parse_zone(args.tz.as_deref())?;
            let now = config::parse_now(args.now.as_deref(), config::now()?)?;
            let fail_on = config::parse_thresholds(&args.fail_on)?;
            let mut options =
                app::ReportOptions::new(&args.report, args.output.as_deref(), zone, now, &fail_on);
            options.terminal = terminal;
            let rules = builtin_rules()?;
            Ok(app::merge(&args.files, &rules, &options, out, err)?.exit_code())
        }
        Command::NearMisses(args) => {
            let mut config = ScanConfig::from_args(args.scan, config::now()?)?
                .with_terminal(terminal, cli.quiet);
            config.near_misses = true;
            Ok(near_misses::run(&config, args.top, out, err)?.exit_code())
        }
        Command::Ls(args) => {
            let now = config::parse_now(args.now.as_deref(), config::now()?)?;
            let window = config::parse_window(
                args.since.as_deref(),
                args.until.as_deref(),
                now,
                zone::Zone::default(),
            )?;
            // Listing stdin would only print `<stdin>`: no paths lists nothing.
            let (paths, _) = config::input_paths(args.paths, args.files_from.as_deref())?;
            Ok(app::ls(&paths, false, &window, cli.quiet, out, err)?.exit_code())
        }
        Command::Events(args) => {
            let config = ScanConfig::from_args(args.scan, config::now()?)?
                .with_terminal(terminal, cli.quiet);
            Ok(app::events(&config, args.format, out, err)?.exit_code())
        }
        Command::Watch(args) => {
            let rules = RuleSet::load(&args.rules)?;
            let zone = config::parse_zone(args.tz.as_deref())?;
            let options = watch::WatchOptions {
                paths: args.paths,
                from_start: args.from_start,
                input_format: args.input_format,
                zone,
                terminal,
                poll: std::time::Duration::from_millis(args.poll_ms.max(10)),
            };
            Ok(watch::run(&rules, &options, out, err)?)
        }
        Command::Explain { cause } => {
            app::explain(&builtin_rules()?, cause, terminal.width, out)?;
            Ok(0)
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "keydeny", out);
            Ok(0)
        }
        Command::Man { command, dir } => {
            if let Some(dir) = dir {
                for path in man::write_all(&dir)? {
                    writeln!(out, "{}", path.display())?;
                }
                return Ok(0);
            }
            let (name, cmd) = man::page(command.as_deref()).map_err(Failure::Usage)?;
            let all: Vec<String> = man::pages().into_iter().map(|(n, _)| n).collect();
            man::render(&name, &cmd, &all, out)?;
            Ok(0)
        }
        Command::Rules {
            command: RulesCommand::List { rules },
        } => {
            let rules = RuleSet::load(&rules)?;
            app::rules_list(&rules, out)?;
            Ok(0)
        }
        Command::Rules {
            command: RulesCommand::Check { files },
        } => Ok(rules_check(&files, out, err)?),
        Command::Rules {
            command:
                RulesCommand::Test {
                    rules,
                    log,
                    input_format,
                },
        } => {
            let set = RuleSet::load(std::slice::from_ref(&rules))?;
            Ok(rules_test::run(&set, &log, input_format, out)?)
        }
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
