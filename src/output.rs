//! Where a report goes: stdout, or an `-o FILE` written atomically (a temporary file in the
//! same directory, renamed over the target), checked before the scan starts so a long run
//! never ends in "cannot write". A new file gets the umask's permissions, a replaced file
//! keeps its own, and `-o` naming an input is refused.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use crate::error::Error;
use crate::source::Input;
use crate::{error, interrupt};

/// Fail early when `path` cannot be an output file: a directory, a missing directory, or
/// one of the inputs.
pub fn check_target(path: &Path, inputs: &[Input]) -> Result<(), Error> {
    let refuse = |why: String| {
        Error::file(
            format_args!("cannot write the output to {}", path.display()),
            why,
        )
    };
    if path.is_dir() {
        return Err(refuse("it is a directory".into()));
    }
    let dir = parent(path);
    if !dir.is_dir() {
        return Err(refuse(format!(
            "directory {} does not exist",
            dir.display()
        )));
    }
    let Ok(target) = fs::canonicalize(path) else {
        return Ok(());
    };
    let clash = inputs
        .iter()
        .filter_map(|i| i.path.as_ref())
        .any(|p| fs::canonicalize(p).is_ok_and(|p| p == target));
    if clash {
        return Err(refuse(
            "it is one of the inputs (refusing to replace evidence with a report)".into(),
        ));
    }
    Ok(())
}

/// Write to `path` atomically, or to `out`.
pub fn write(
    path: Option<&Path>,
    out: &mut dyn Write,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let Some(path) = path else {
        let mut buffered = io::BufWriter::new(out);
        write(&mut buffered)?;
        return buffered.flush();
    };
    let failed = |e: &io::Error| error::with_path("cannot write", path, e);
    if is_special(path) {
        // `/dev/stdout`, a FIFO: nothing to rename over, so write straight to it.
        let target = fs::OpenOptions::new().write(true).open(path);
        let mut file = io::BufWriter::new(target.map_err(|e| failed(&e))?);
        write(&mut file).map_err(|e| failed(&e))?;
        return file.flush().map_err(|e| failed(&e));
    }
    let file = temp_file_for(path).map_err(|e| failed(&e))?;
    interrupt::set_temp_file(Some(file.path().to_path_buf()));
    let written = fill_and_rename(file, path, write);
    interrupt::set_temp_file(None);
    written.map_err(|e| {
        if interrupt::is_stop(&e) {
            e
        } else {
            failed(&e)
        }
    })
}

/// Fill the temporary file and rename it over `path`; on any failure (or Ctrl-C) the
/// temporary file is dropped, which deletes it, and the target is untouched.
fn fill_and_rename(
    mut file: tempfile::NamedTempFile,
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    {
        let mut buffered = io::BufWriter::new(file.as_file_mut());
        write(&mut buffered)?;
        buffered.flush()?;
    }
    interrupt::check()?;
    file.persist(path).map(drop).map_err(|e| e.error)
}

/// A temporary file beside `path` with the permissions the target will have: those of the
/// file it replaces, else what a new file gets under the umask (as `cp` and shell
/// redirection do; tempfile's own default is 0600).
fn temp_file_for(path: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".keydeny-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let file = builder.tempfile_in(parent(path))?;
    if let Ok(existing) = fs::metadata(path) {
        file.as_file().set_permissions(existing.permissions())?;
    }
    Ok(file)
}

/// An existing target that is neither a regular file nor a directory (a device, a FIFO).
fn is_special(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}
