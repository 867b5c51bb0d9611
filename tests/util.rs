//! The harness: run keydeny in-process (same code path as the binary) and capture output.

use std::path::{Path, PathBuf};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run `keydeny ARGS...` in-process.
pub fn keydeny(args: &[&str]) -> Run {
    let mut argv = vec!["keydeny".to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = keydeny::main_with(argv, &mut out, &mut err);
    Run {
        code,
        stdout: String::from_utf8(out).expect("utf-8 stdout"),
        stderr: String::from_utf8(err).expect("utf-8 stderr"),
    }
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `fixtures/logs`, relative to the crate root so output paths are stable.
pub fn logs() -> String {
    "fixtures/logs".to_string()
}

pub fn in_root() {
    std::env::set_current_dir(root()).expect("chdir to crate root");
}

pub fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(root().join(path)).expect("read file")
}

/// Compare `output` with `fixtures/golden/NAME`; `UPDATE_GOLDEN=1` rewrites the file instead
/// (review the diff before committing).
pub fn assert_golden(name: &str, output: &str) {
    let path = format!("fixtures/golden/{name}");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(root().join(&path), output).unwrap();
    }
    assert!(
        output == read(&path),
        "{path} differs; rerun with UPDATE_GOLDEN=1 and review the diff"
    );
}
