//! Expanding command-line paths into inputs: files as given, directories recursively in a
//! deterministic (name-sorted) order, `-` as stdin. Problems are returned, never fatal.

use std::path::Path;

use walkdir::WalkDir;

use super::Input;

/// A path that could not be listed, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkError {
    pub path: String,
    pub message: String,
}

/// Every input under `paths` (no paths = stdin), and the paths that could not be listed.
pub fn expand(paths: &[String]) -> (Vec<Input>, Vec<WalkError>) {
    if paths.is_empty() {
        return (vec![Input::stdin()], Vec::new());
    }
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path == "-" {
            inputs.push(Input::stdin());
        } else if Path::new(path).is_dir() {
            walk_dir(path, &mut inputs, &mut errors);
        } else {
            inputs.push(file_input(path.clone(), Path::new(path)));
        }
    }
    (inputs, errors)
}

fn walk_dir(root: &str, inputs: &mut Vec<Input>, errors: &mut Vec<WalkError>) {
    let (files_before, errors_before) = (inputs.len(), errors.len());
    let walker = WalkDir::new(root).follow_links(true).sort_by_file_name();
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_file() => {
                let display = entry.path().display().to_string();
                inputs.push(file_input(display, entry.path()));
            }
            Ok(_) => {}
            Err(e) => errors.push(WalkError {
                path: e
                    .path()
                    .map_or_else(|| root.to_string(), |p| p.display().to_string()),
                message: walk_message(&e),
            }),
        }
    }
    if inputs.len() == files_before && errors.len() == errors_before {
        errors.push(WalkError {
            path: root.to_string(),
            message: "no log files found under this directory".to_string(),
        });
    }
}

fn walk_message(error: &walkdir::Error) -> String {
    if let Some(ancestor) = error.loop_ancestor() {
        return format!("symlink loop back to {}", ancestor.display());
    }
    match error.io_error() {
        Some(io) => format!("cannot read: {}", crate::error::reason(io)),
        None => error.to_string(),
    }
}

fn file_input(display: String, path: &Path) -> Input {
    Input::file(display, path)
}
