//! Manual pages: `keydeny.1` and one page per command (`keydeny-summary.1`,
//! `keydeny-rules-test.1`, ...), rendered from the clap definitions by `clap_mangen`, plus the
//! sections clap does not know: EXAMPLES (kept as written, never refilled), ENVIRONMENT,
//! EXIT STATUS and SEE ALSO. `keydeny man` prints them; `keydeny completions` the shell
//! completion scripts, also from the clap definitions.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Command, CommandFactory};

use super::ExitStatus;
use crate::cli::Cli;
use crate::error::Result;

/// The environment variables keydeny reads, for ENVIRONMENT.
const ENVIRONMENT: [(&str, &str); 5] = [
    (
        "NO_COLOR",
        "When set to a non-empty value, nothing is coloured with --color auto (the default).",
    ),
    (
        "KEYDENY_NOW",
        "An RFC 3339 time (2024-05-02T10:00:00Z) used instead of the clock: relative --since and --until count back from it and year-less syslog times read from stdin are dated by it. A value that is not such a time is an error (exit status 2).",
    ),
    (
        "LC_ALL",
        "The first of LC_ALL, LC_CTYPE and LANG that is set names the locale; when it is not UTF-8, sparklines are drawn in ASCII, as with --ascii.",
    ),
    ("LC_CTYPE", "See LC_ALL."),
    ("LANG", "See LC_ALL."),
];

/// The exit codes, for EXIT STATUS.
const EXIT_STATUS: [(&str, &str); 3] = [
    ("0", "Success."),
    ("1", "A --fail-on threshold was reached."),
    (
        "2",
        "A usage error, a fatal error, or an input that could not be read (or not to its end); every other input is still processed and the output written.",
    ),
];

/// Every page: file name stem (`keydeny-summary`) and the command it documents.
pub fn pages() -> Vec<(String, Command)> {
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    let mut pages = Vec::new();
    collect(&root, &mut pages);
    pages
}

fn collect(cmd: &Command, pages: &mut Vec<(String, Command)>) {
    let name = cmd
        .get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string();
    pages.push((name, cmd.clone()));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, pages);
    }
}

/// The page of `command` (`summary`, `rules-test`, `rules test`), or the top-level page.
pub fn page(command: Option<&str>) -> Result<(String, Command)> {
    let pages = pages();
    let Some(wanted) = command else {
        return Ok(pages.into_iter().next().expect("the top-level page"));
    };
    let stem = format!("keydeny-{}", wanted.trim().replace(' ', "-"));
    let names: Vec<String> = pages.iter().map(|(n, _)| n.clone()).collect();
    pages.into_iter().find(|(n, _)| *n == stem).ok_or_else(|| {
        let known: Vec<&str> = names
            .iter()
            .filter_map(|n| n.strip_prefix("keydeny-"))
            .collect();
        crate::error::Error::Usage(format!(
            "no manual page for {wanted:?} (expected one of: {})",
            known.join(", ")
        ))
    })
}

/// Write every page into `dir` (created if missing); returns the files written.
pub fn write_all(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let all = pages();
    let names: Vec<String> = all.iter().map(|(n, _)| n.clone()).collect();
    let mut written = Vec::new();
    for (name, cmd) in &all {
        let path = dir.join(format!("{name}.1"));
        let mut text = Vec::new();
        render(name, cmd, &names, &mut text)?;
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

/// Render one page; `all` names every page, for SEE ALSO.
pub fn render(name: &str, cmd: &Command, all: &[String], out: &mut dyn Write) -> io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(out)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(out)?;
    }
    let after = cmd
        .get_after_help()
        .map(|h| h.to_string())
        .unwrap_or_default();
    for paragraph in after.split("\n\n") {
        if let Some(examples) = paragraph.strip_prefix("Examples:\n") {
            section(out, "EXAMPLES")?;
            // No-fill: examples stay one per line, as written.
            writeln!(out, ".nf")?;
            for line in examples.lines() {
                writeln!(out, "{}", text(line.trim_start()))?;
            }
            writeln!(out, ".fi")?;
        } else if !paragraph.starts_with("Exit status:") && !paragraph.starts_with("Environment:") {
            section(out, "NOTES")?;
            writeln!(out, "{}", text(&paragraph.replace('\n', " ")))?;
        }
    }
    section(out, "ENVIRONMENT")?;
    tagged(out, &ENVIRONMENT)?;
    section(out, "EXIT STATUS")?;
    tagged(out, &EXIT_STATUS)?;
    let others: Vec<String> = all
        .iter()
        .filter(|n| n.as_str() != name)
        .map(|n| format!("\\fB{}\\fR(1)", text(n)))
        .collect();
    section(out, "SEE ALSO")?;
    writeln!(out, "{}", others.join(", "))?;
    section(out, "VERSION")?;
    writeln!(out, "v{}", env!("CARGO_PKG_VERSION"))
}

fn section(out: &mut dyn Write, title: &str) -> io::Result<()> {
    writeln!(out, ".SH \"{title}\"")
}

fn tagged(out: &mut dyn Write, items: &[(&str, &str)]) -> io::Result<()> {
    for (tag, body) in items {
        writeln!(out, ".TP\n\\fB{}\\fR\n{}", text(tag), text(body))?;
    }
    Ok(())
}

/// Text as roff: backslashes and hyphens escaped, no line starting with a control character.
fn text(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// One page to `out`, or every page into `dir` (their paths to `out`).
pub fn run(
    command: Option<String>,
    dir: Option<PathBuf>,
    out: &mut dyn Write,
) -> Result<ExitStatus> {
    if let Some(dir) = dir {
        for path in write_all(&dir)? {
            writeln!(out, "{}", path.display())?;
        }
        return Ok(ExitStatus::Clean);
    }
    let (name, cmd) = page(command.as_deref())?;
    let all: Vec<String> = pages().into_iter().map(|(n, _)| n).collect();
    render(&name, &cmd, &all, out)?;
    Ok(ExitStatus::Clean)
}

pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> ExitStatus {
    clap_complete::generate(shell, &mut Cli::command(), "keydeny", out);
    ExitStatus::Clean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_page() {
        let names: Vec<String> = pages().into_iter().map(|(n, _)| n).collect();
        for expected in [
            "keydeny",
            "keydeny-summary",
            "keydeny-events",
            "keydeny-merge",
            "keydeny-watch",
            "keydeny-explain",
            "keydeny-man",
            "keydeny-rules",
            "keydeny-rules-test",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
        }
        assert!(page(Some("rules test")).is_ok());
        assert!(
            page(Some("sumary"))
                .unwrap_err()
                .to_string()
                .contains("summary")
        );
    }

    #[test]
    fn roff_text_is_escaped() {
        assert_eq!(text(".hidden -x a\\b"), "\\&.hidden \\-x a\\eb");
    }
}
