//! What the terminal allows: colour (`--color`, `NO_COLOR`, TTY), the width tables fit in,
//! whether it shows Unicode (`--ascii`, the locale) and whether a progress bar may be drawn
//! on stderr. Decided once in `main` from the real streams;
//! tests pass explicit values.

use anstyle::{AnsiColor, Style};

use crate::event::Cause;

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

/// Facts about the streams keydeny writes to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Streams {
    pub stdin_tty: bool,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// Columns of the terminal stdout is on.
    pub columns: Option<usize>,
    /// `NO_COLOR` is set to a non-empty value.
    pub no_color: bool,
    /// The locale is not UTF-8 (`LC_ALL`, `LC_CTYPE`, `LANG`): draw with ASCII only.
    pub ascii: bool,
}

impl Streams {
    /// The real process streams.
    pub fn detect() -> Streams {
        use std::io::IsTerminal;
        let stdout_tty = std::io::stdout().is_terminal();
        Streams {
            stdin_tty: std::io::stdin().is_terminal(),
            stdout_tty,
            stderr_tty: std::io::stderr().is_terminal(),
            columns: terminal_size::terminal_size()
                .map(|(w, _)| w.0 as usize)
                .filter(|_| stdout_tty),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            ascii: !locale_is_utf8(|name| std::env::var(name).ok()),
        }
    }
}

/// Whether the locale's character set is UTF-8: the first of `LC_ALL`, `LC_CTYPE`, `LANG`
/// that is set decides, as in POSIX; none set is the C locale (ASCII).
pub fn locale_is_utf8(var: impl Fn(&str) -> Option<String>) -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|name| var(name).filter(|v| !v.is_empty()))
        .is_some_and(|value| {
            let value = value.to_ascii_lowercase();
            value.contains("utf-8") || value.contains("utf8")
        })
}

/// How to write for this terminal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Terminal {
    pub color: bool,
    /// Fit tables into this many columns; `None` when not a terminal (nothing is cut).
    pub width: Option<usize>,
    pub progress: bool,
    /// Only ASCII in pictures (sparklines): `--ascii` or a non-UTF-8 locale.
    pub ascii: bool,
    /// Standard input is a terminal: reading it waits for someone to type, so say so.
    pub stdin_tty: bool,
}

impl Terminal {
    pub fn new(
        streams: Streams,
        color: ColorChoice,
        width: Option<usize>,
        quiet: bool,
    ) -> Terminal {
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => streams.stdout_tty && !streams.no_color,
        };
        Terminal {
            color,
            width: width.or(streams.columns),
            progress: streams.stderr_tty && !quiet,
            ascii: streams.ascii,
            stdin_tty: streams.stdin_tty,
        }
    }

    /// `text` in `style` when colour is on.
    pub fn paint(&self, text: &str, style: Style) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(text, Style::new().bold())
    }

    /// A cause id in its colour.
    pub fn cause(&self, cause: Cause, text: &str) -> String {
        self.paint(text, cause_style(cause))
    }
}

/// One colour per cause, the terminal counterpart of the HTML palette.
pub fn cause_style(cause: Cause) -> Style {
    let color = match cause {
        Cause::InsufficientRole => AnsiColor::Red,
        Cause::PolicyBlock => AnsiColor::Magenta,
        Cause::Unauthenticated => AnsiColor::Yellow,
        Cause::PlanRestriction => AnsiColor::Cyan,
        Cause::MfaRequired => AnsiColor::Blue,
        Cause::QuotaExceeded => AnsiColor::BrightMagenta,
        Cause::NetworkRestriction => AnsiColor::Green,
        Cause::Unknown => AnsiColor::BrightBlack,
    };
    Style::new().fg_color(Some(color.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_decisions() {
        let tty = Streams {
            stdin_tty: true,
            stdout_tty: true,
            stderr_tty: true,
            columns: Some(100),
            no_color: false,
            ascii: false,
        };
        let pipe = Streams::default();
        assert!(Terminal::new(tty, ColorChoice::Auto, None, false).color);
        assert!(!Terminal::new(pipe, ColorChoice::Auto, None, false).color);
        assert!(
            !Terminal::new(
                Streams {
                    no_color: true,
                    ..tty
                },
                ColorChoice::Auto,
                None,
                false
            )
            .color
        );
        assert!(
            Terminal::new(
                Streams {
                    no_color: true,
                    ..tty
                },
                ColorChoice::Always,
                None,
                false
            )
            .color
        );
        assert!(!Terminal::new(tty, ColorChoice::Never, None, false).color);
        assert_eq!(
            Terminal::new(tty, ColorChoice::Auto, None, false).width,
            Some(100)
        );
        assert_eq!(
            Terminal::new(pipe, ColorChoice::Auto, None, false).width,
            None
        );
        assert!(!Terminal::new(tty, ColorChoice::Auto, None, true).progress);
    }

    #[test]
    fn locale_decides_unicode() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(locale_is_utf8(env(&[("LANG", "en_US.UTF-8")])));
        assert!(locale_is_utf8(env(&[
            ("LC_CTYPE", "C.utf8"),
            ("LANG", "C")
        ])));
        assert!(!locale_is_utf8(env(&[
            ("LC_ALL", "C"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(!locale_is_utf8(env(&[("LANG", "de_DE.ISO-8859-1")])));
        assert!(!locale_is_utf8(env(&[])));
    }
}
