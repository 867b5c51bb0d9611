//! `keydeny rules list | check FILE... | test RULES LOGFILE`: the rules keydeny runs on, a
//! user rules file validated, and a log read record by record through the scanner with the
//! verdict of each (see [`crate::verdict`]): the quickest way to teach keydeny an
//! application's wording.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::ExitStatus;
use crate::cli::RulesCommand;
use crate::error::Result;
use crate::format::InputFormat;
use crate::prefilter::Prefilters;
use crate::rules::RuleSet;
use crate::scan::Scanner;
use crate::source::Input;
use crate::verdict::Verdicts;

pub fn run(command: RulesCommand, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitStatus> {
    match command {
        RulesCommand::List { rules } => list(&RuleSet::load(&rules)?, out),
        RulesCommand::Check { files } => check(&files, out, err),
        RulesCommand::Test {
            rules,
            log,
            input_format,
        } => {
            let set = RuleSet::load(std::slice::from_ref(&rules))?;
            test(&set, &log, input_format, out, err)
        }
    }
}

/// `rules test`: one verdict per record of `log`, every record parsed (no prefilter).
fn test(
    rules: &RuleSet,
    log: &Path,
    input_format: Option<InputFormat>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus> {
    let scanner = Scanner {
        rules,
        prefilter: Prefilters::disabled(),
        input_format,
        block_size: 1 << 20,
        max_record: 64 << 20,
        now: Utc::now(),
        redact: true,
        near_misses: false,
    };
    let input = Input::file(log.display().to_string(), log);
    let mut verdicts = Verdicts::default();
    let scan = scanner.scan(&input, None, &mut verdicts);
    let inputs = &scan.inputs;
    for problem in inputs.skipped.iter().chain(&inputs.errors) {
        writeln!(err, "keydeny: {}: {}", problem.file, problem.message)?;
    }
    if let Some(format) = scan.format {
        writeln!(out, "# {} read as {}", scan.file, format.id())?;
    }
    let events = verdicts.events;
    for line in verdicts.lines() {
        let record = line
            .record
            .map(|r| format!(" (record {r})"))
            .unwrap_or_default();
        writeln!(out, "{}:{}{record}: {}", scan.file, line.line, line.text)?;
    }
    let records = if inputs.records == inputs.lines {
        String::new()
    } else {
        format!(", {} record(s)", inputs.records)
    };
    writeln!(
        out,
        "# {events} event(s) in {} line(s){records}",
        inputs.lines
    )?;
    Ok(if inputs.errors.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::InputErrors
    })
}

/// Validate each file with the built-in rules: `FILE: ok (...)` or the problem; exit 2 on any.
fn check(files: &[PathBuf], out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitStatus> {
    let mut status = ExitStatus::Clean;
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
                status = ExitStatus::InputErrors;
            }
        }
    }
    Ok(status)
}

/// `rules list`.
fn list(rules: &RuleSet, out: &mut dyn Write) -> Result<ExitStatus> {
    writeln!(out, "# rule set digest {}", rules.digest)?;
    writeln!(out, "\n## Key-generation actions ({})", rules.actions.len())?;
    for action in &rules.actions {
        let platforms: Vec<&str> = action.platforms.iter().map(|p| p.id()).collect();
        writeln!(
            out,
            "{}  [{}]  {}  ({})",
            action.id,
            platforms.join(","),
            action.describe(),
            action.file
        )?;
        if !action.description.is_empty() {
            writeln!(out, "      {}", action.description)?;
        }
    }
    writeln!(out, "\n## Denial wording ({})", rules.denial_ids.len())?;
    for id in &rules.denial_ids {
        writeln!(out, "{id}")?;
    }
    let words: usize = rules.concept_counts.iter().map(|(_, n)| n).sum();
    writeln!(out, "\n## Vocabulary: words per concept ({words})")?;
    for (concept, count) in &rules.concept_counts {
        writeln!(out, "{concept}  {count}")?;
    }
    writeln!(
        out,
        "\n## Cause rules, first match wins ({})",
        rules.rules.len()
    )?;
    for rule in &rules.rules {
        writeln!(
            out,
            "{:>4}  {}  -> {}  {}  ({})",
            rule.priority,
            rule.id,
            rule.cause,
            rule.describe(),
            rule.file
        )?;
        if !rule.description.is_empty() {
            writeln!(out, "      {}", rule.description)?;
        }
    }
    Ok(ExitStatus::Clean)
}
