//! `keydeny explain [CAUSE]`: what a cause means and what to do, as prose wrapped at spaces
//! to the terminal's width, never cut.

use std::io::Write;

use super::{Env, ExitStatus};
use crate::error::Result;
use crate::event::Cause;
use crate::report::layout::wrap;
use crate::rules::RuleSet;

pub fn run(cause: Option<Cause>, env: Env, out: &mut dyn Write) -> Result<ExitStatus> {
    let rules = RuleSet::load(&[] as &[&str])?;
    let width = env.terminal.width;
    let causes: Vec<Cause> = cause.map_or_else(|| Cause::ALL.to_vec(), |c| vec![c]);
    for (i, cause) in causes.into_iter().enumerate() {
        let Some(doc) = rules.cause_doc(cause) else {
            continue;
        };
        if i > 0 {
            writeln!(out)?;
        }
        let title = format!("{}: {}", cause.id(), doc.title);
        writeln!(out, "{}", wrap(&title, width, "", "  "))?;
        writeln!(out, "{}", wrap(&doc.meaning, width, "  ", "  "))?;
        writeln!(out, "  What to do:")?;
        for (n, step) in doc.steps.iter().enumerate() {
            let number = format!("    {}. ", n + 1);
            let indent = " ".repeat(number.len());
            writeln!(out, "{}", wrap(step, width, &number, &indent))?;
        }
    }
    Ok(ExitStatus::Clean)
}
