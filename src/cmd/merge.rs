//! `keydeny merge`: summaries of disjoint inputs combined into the summary of their union
//! (the tested [`Summary::merge`]), refused when two summaries read the same input.

use std::io::{self, Write};
use std::path::PathBuf;

use super::{Env, ExitStatus};
use crate::aggregate::Summary;
use crate::cli::MergeArgs;
use crate::config::{ReportConfig, Window};
use crate::error::{Error, Result};
use crate::report::json::{ReadSummary, read_summaries};
use crate::rules::RuleSet;

pub fn run(
    args: MergeArgs,
    env: Env,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> Result<ExitStatus> {
    let mut config = ReportConfig::for_merge(&args, env.terminal)?;
    let rules = RuleSet::load(&[] as &[&str])?;
    let mut merged = Summary::default();
    let mut windows = Vec::new();
    let mut digests = Vec::new();
    let mut unmasked = false;
    let mut shards = Vec::new();
    for (name, read) in read_inputs(&args.files)? {
        if read.summary.inputs.digests.is_empty() && read.summary.inputs.files > 0 {
            writeln!(
                diagnostics,
                "keydeny: warning: {name}: no input digests (stdin, objects, or an older schema): cannot check that its inputs are not in another summary"
            )?;
        }
        if config.by.is_some() && read.summary.groups.is_empty() && read.summary.total.count > 0 {
            writeln!(
                diagnostics,
                "keydeny: warning: {name}: no per-key groups (made by an older keydeny): its events are missing from the --by rows"
            )?;
        }
        shards.push((name, read));
    }
    let checked: Vec<crate::digest::Shard<'_>> = shards
        .iter()
        .map(|(name, read)| crate::digest::Shard {
            name: name.clone(),
            window: read.window,
            digests: &read.summary.inputs.digests,
        })
        .collect();
    if let Some(problem) = crate::digest::overlap(&checked) {
        return Err(Error::Refused(problem));
    }
    for (_, read) in shards {
        merged.merge(read.summary);
        unmasked |= !read.redaction;
        windows.push(read.window);
        digests.push(read.rules_digest);
    }
    digests.sort();
    digests.dedup();
    if digests.len() > 1 {
        writeln!(
            diagnostics,
            "keydeny: warning: the summaries were made with different rule sets ({})",
            digests.join(", ")
        )?;
    }
    let digest = if digests.len() == 1 {
        digests[0].clone()
    } else {
        "mixed".to_string()
    };
    // One unmasked shard makes the merged report unmasked: say so.
    config.redact = !unmasked;
    let window = union_window(&windows);
    super::summary::write(
        &merged,
        window,
        (&rules, &digest),
        &config,
        out,
        diagnostics,
    )
}

/// Every summary in `files` (`-`: stdin), each file holding one or more documents (one per
/// line, as `RDD.pipe` collects them, or pretty-printed one after another).
fn read_inputs(files: &[PathBuf]) -> Result<Vec<(String, ReadSummary)>> {
    let mut summaries = Vec::new();
    for file in files {
        let name = if file.as_os_str() == "-" {
            "<stdin>".to_string()
        } else {
            file.display().to_string()
        };
        let text = if file.as_os_str() == "-" {
            io::read_to_string(io::stdin())
        } else {
            std::fs::read_to_string(file)
        }
        .map_err(|e| Error::file(&name, e))?;
        let read = read_summaries(&text).map_err(|e| Error::file(&name, e))?;
        if read.is_empty() {
            return Err(Error::file(
                &name,
                "no summary in it (expected `keydeny summary --format json` output)",
            ));
        }
        let several = read.len() > 1;
        summaries.extend(read.into_iter().enumerate().map(|(n, summary)| {
            let shard = if several {
                format!("{name} (document {})", n + 1)
            } else {
                name.clone()
            };
            (shard, summary)
        }));
    }
    Ok(summaries)
}

/// The smallest window covering every shard's window (open when any shard's is open).
fn union_window(windows: &[Window]) -> Window {
    let since = windows
        .iter()
        .map(|w| w.since)
        .collect::<Option<Vec<_>>>()
        .and_then(|v| v.into_iter().min());
    let until = windows
        .iter()
        .map(|w| w.until)
        .collect::<Option<Vec<_>>>()
        .and_then(|v| v.into_iter().max());
    Window { since, until }
}
