//! keydeny's one error type, [`Error`], and how I/O errors read to a person: one line saying
//! what failed, on which path, and why, without Rust's `(os error N)` suffix or the name of a
//! temporary file. Bad records and unreadable inputs are not errors: they are counted in
//! [`crate::aggregate::Inputs`] and the run goes on.

use std::io;
use std::path::Path;

use crate::config::ConfigError;
use crate::rules::RuleError;

/// Why a command could not run (exit code 2, or 0 for a closed pipe).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A mistake in the command line (`keydeny: error: ...`).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Rules(#[from] RuleError),
    /// Listing the inputs failed (an object store that cannot be listed).
    #[error("{0}")]
    Source(String),
    /// A file keydeny needs (a summary to merge, a baseline) cannot be read or is not what
    /// was expected.
    #[error("{path}: {problem}")]
    File { path: String, problem: String },
    /// The inputs cannot be combined (`merge` of summaries that overlap).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The result of a command.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A file that cannot be read, or whose content is wrong.
    pub fn file(path: impl std::fmt::Display, problem: impl std::fmt::Display) -> Error {
        Error::File {
            path: path.to_string(),
            problem: problem.to_string(),
        }
    }
}

/// The reason of an I/O error in plain words: `no such file or directory`.
pub fn reason(error: &io::Error) -> String {
    let text = error.to_string();
    let text = match text.rfind(" (os error ") {
        Some(cut) if error.raw_os_error().is_some() => &text[..cut],
        _ => &text,
    };
    lowercase_first(text)
}

/// `what PATH: reason`, as an `io::Error` of the same kind.
pub fn with_path(what: &str, path: &Path, error: &io::Error) -> io::Error {
    io::Error::new(
        error.kind(),
        format!("{what} {}: {}", path.display(), reason(error)),
    )
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // "No such file" -> "no such file", but "EOF" and "UTF-8" keep their case.
        Some(first) if first.is_uppercase() && chars.next().is_some_and(char::is_lowercase) => {
            first
                .to_lowercase()
                .chain(text[first.len_utf8()..].chars())
                .collect()
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_as_words() {
        let missing = io::Error::from_raw_os_error(2);
        assert_eq!(reason(&missing), "no such file or directory");
        assert_eq!(
            with_path(
                "cannot write",
                Path::new("/tmp"),
                &io::Error::from_raw_os_error(21)
            )
            .to_string(),
            "cannot write /tmp: is a directory"
        );
        let custom = io::Error::new(io::ErrorKind::InvalidData, "UTF-8 error");
        assert_eq!(reason(&custom), "UTF-8 error");
    }
}
