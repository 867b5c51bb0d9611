//! `keydeny near-misses`: what keydeny almost counted. Records that name a credential and a
//! refusal but no act of creating it, key generations that failed without a known refusal,
//! and events whose cause is unknown, grouped by message shape (ids, numbers, quoted names
//! masked), most frequent first, with the concept that was missing. The extractor names them,
//! the scanner hands them to its sink ([`crate::scan::Sink::near_miss`]); this module shapes,
//! groups and prints them ([`crate::cmd::near_misses`] runs the command).

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use crate::extract::Position;
use crate::redact::redact;

/// The concept a near-miss lacked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Missing {
    /// A credential and a refusal, but nothing says the credential was being created.
    Creation,
    /// A key generation that failed, but not with wording keydeny knows as a refusal.
    Refusal,
    /// A denied key generation whose cause no rule or word names.
    Cause,
}

impl Missing {
    pub fn id(self) -> &'static str {
        match self {
            Missing::Creation => "creation",
            Missing::Refusal => "refusal",
            Missing::Cause => "cause",
        }
    }

    /// What to teach keydeny, for the listing.
    pub fn hint(self) -> &'static str {
        match self {
            Missing::Creation => "credential and refusal, but no act of creating it",
            Missing::Refusal => "key generation failed, but not as a known refusal",
            Missing::Cause => "denied key generation, cause unknown",
        }
    }
}

/// One record keydeny almost counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NearMiss {
    pub missing: Missing,
    /// The message with ids, numbers and names masked.
    pub shape: String,
    pub file: Arc<str>,
    pub line: u64,
}

impl NearMiss {
    pub fn new(missing: Missing, text: &str, at: Position<'_>) -> NearMiss {
        NearMiss {
            missing,
            shape: shape(text),
            file: at.file.clone(),
            line: at.line,
        }
    }
}

const MAX_SHAPE_CHARS: usize = 200;

/// The shape of a message: credentials redacted, then every quoted string, value of a
/// `key=value` pair, and word holding a digit, `@`, `/` or `:` inside replaced by `<*>`.
pub fn shape(text: &str) -> String {
    let text = redact(text);
    let mut out = String::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (token, tail) = next_token(rest);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&mask(token));
        rest = tail.trim_start();
    }
    if out.chars().count() > MAX_SHAPE_CHARS {
        out = out.chars().take(MAX_SHAPE_CHARS - 1).collect();
        out.push('…');
    }
    out
}

/// The next blank-separated token, a quoted section kept whole.
fn next_token(text: &str) -> (&str, &str) {
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') if i == 0 || text[..i].ends_with('=') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => return (&text[..i], &text[i..]),
            _ => {}
        }
    }
    (text, "")
}

fn mask(token: &str) -> String {
    if let Some((key, _)) = token.split_once('=') {
        if !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_alphanumeric() || "_.-@".contains(c))
        {
            return format!("{key}=<*>");
        }
    }
    let core = token.trim_matches(|c: char| ",;:.()[]{}".contains(c));
    let (head, tail) = token.split_at(token.find(core).unwrap_or(0));
    let tail = &tail[core.len()..];
    let quoted = core.len() >= 2
        && ((core.starts_with('"') && core.ends_with('"'))
            || (core.starts_with('\'') && core.ends_with('\'')));
    let variable = quoted
        || core.chars().any(|c| c.is_ascii_digit())
        || core.contains('@')
        || core.trim_end_matches(':').contains([':', '/']);
    if variable && !core.is_empty() {
        format!("{head}<*>{tail}")
    } else {
        token.to_string()
    }
}

/// Near-misses of one shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub missing: Missing,
    pub shape: String,
    pub count: u64,
    /// The first record of this shape (file, line).
    pub first: (Arc<str>, u64),
}

/// Group by missing concept and shape; most frequent first, then by concept and shape.
pub fn group(misses: Vec<NearMiss>) -> Vec<Group> {
    let mut groups: HashMap<(Missing, String), Group> = HashMap::new();
    for miss in misses {
        let key = (miss.missing, miss.shape.clone());
        let at = (miss.file.clone(), miss.line);
        groups
            .entry(key)
            .and_modify(|g| {
                g.count += 1;
                if at < g.first {
                    g.first = at.clone();
                }
            })
            .or_insert(Group {
                missing: miss.missing,
                shape: miss.shape,
                count: 1,
                first: at,
            });
    }
    let mut out: Vec<Group> = groups.into_values().collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.missing.cmp(&b.missing))
            .then(a.shape.cmp(&b.shape))
    });
    out
}

/// Print the groups: a header, then `COUNT  MISSING  SHAPE  (FILE:LINE)` per shape.
pub fn write(groups: &[Group], top: usize, out: &mut dyn Write) -> io::Result<()> {
    let records: u64 = groups.iter().map(|g| g.count).sum();
    writeln!(
        out,
        "# near-misses: {records} record(s) in {} shape(s); missing = the concept keydeny did not find",
        groups.len()
    )?;
    for missing in [Missing::Creation, Missing::Refusal, Missing::Cause] {
        writeln!(out, "#   {:<9} {}", missing.id(), missing.hint())?;
    }
    let limit = if top == 0 { groups.len() } else { top };
    for g in groups.iter().take(limit) {
        let shape = crate::report::table::cell(&g.shape, MAX_SHAPE_CHARS);
        writeln!(
            out,
            "{:>6}  {:<9} {shape}  ({}:{})",
            g.count,
            g.missing.id(),
            g.first.0,
            g.first.1
        )?;
    }
    if groups.len() > limit {
        writeln!(
            out,
            "# {} more shape(s); --top 0 lists all",
            groups.len() - limit
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_mask_what_varies() {
        let cases = [
            (
                "Failed to create API key for user 'bob': permission denied user=bob id=42",
                "Failed to create API key for user <*>: permission denied user=<*> id=<*>",
            ),
            (
                "token request for sa ns/default rejected (attempt 3)",
                "token request for sa <*> rejected (attempt <*>)",
            ),
            (
                "denied for alice@example.com from 203.0.113.5",
                "denied for <*> from <*>",
            ),
            (r#"msg="cannot mint key" err="quota""#, "msg=<*> err=<*>"),
        ];
        for (text, want) in cases {
            assert_eq!(shape(text), want, "{text}");
        }
    }

    #[test]
    fn groups_count_and_order() {
        let file: Arc<str> = Arc::from("a.log");
        let miss = |missing, shape: &str, line| NearMiss {
            missing,
            shape: shape.into(),
            file: file.clone(),
            line,
        };
        let groups = group(vec![
            miss(Missing::Cause, "x", 5),
            miss(Missing::Refusal, "y", 2),
            miss(Missing::Cause, "x", 3),
        ]);
        assert_eq!(groups.len(), 2);
        assert_eq!((groups[0].count, groups[0].first.1), (2, 3));
        assert_eq!(groups[1].missing, Missing::Refusal);
    }
}
