//! One file per command (xsv style), each with its `run`: it resolves its clap arguments into
//! the configurations of [`crate::config`], runs the pipeline and says how the run ended. Raw
//! clap types stop here.

pub mod events;
pub mod explain;
pub mod ls;
pub mod man;
pub mod merge;
pub mod near_misses;
pub mod rules;
pub mod summary;
pub mod watch;

use std::io::{self, Write};

use crate::aggregate::Summary;
use crate::config::Threshold;
use crate::report::json::ThresholdDoc;
use crate::terminal::Terminal;

/// How a run ended, mapped to the documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: success.
    Clean,
    /// 1: `--fail-on` threshold reached.
    ThresholdReached,
    /// 2: an input could not be read (the rest was processed and written).
    InputErrors,
}

impl ExitStatus {
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Clean => 0,
            ExitStatus::ThresholdReached => 1,
            ExitStatus::InputErrors => 2,
        }
    }

    /// Input errors first, then the thresholds.
    pub fn of(summary: &Summary, thresholds: &[ThresholdDoc]) -> ExitStatus {
        if !summary.inputs.errors.is_empty() {
            ExitStatus::InputErrors
        } else if thresholds.iter().any(|t| t.fired) {
            ExitStatus::ThresholdReached
        } else {
            ExitStatus::Clean
        }
    }
}

/// What every command gets besides its arguments: the terminal it writes for, `--quiet`.
#[derive(Clone, Copy)]
pub struct Env {
    pub terminal: Terminal,
    pub quiet: bool,
}

/// Evaluate the `--fail-on` thresholds against a summary.
pub fn thresholds(limits: &[Threshold], summary: &Summary) -> Vec<ThresholdDoc> {
    limits
        .iter()
        .map(|t| {
            let count = match t.cause {
                None => summary.total.count,
                Some(cause) => summary.by_cause.get(&cause).map_or(0, |g| g.count),
            };
            ThresholdDoc {
                threshold: t.cause.map_or("total", |c| c.id()).to_string(),
                count,
                limit: t.limit,
                fired: count >= t.limit,
            }
        })
        .collect()
}

/// Say on stderr which thresholds fired.
pub fn report_thresholds(
    thresholds: &[ThresholdDoc],
    diagnostics: &mut dyn Write,
) -> io::Result<()> {
    for t in thresholds.iter().filter(|t| t.fired) {
        writeln!(
            diagnostics,
            "keydeny: threshold reached: {} has {} denied event(s), limit {}",
            t.threshold, t.count, t.limit
        )?;
    }
    Ok(())
}
