//! The prefilter: skips records which cannot be a key generation before they are parsed,
//! derived from the rules. A format only sees the literals of actions for the platforms its
//! records can have (CloudTrail records are AWS, so an app's `access key` wording is not
//! looked for there); for app logs the literals include the vocabulary's credential words,
//! and a record must also hold a refusal or failure word.
//!
//! Two stages, both over ASCII-lowercased bytes (so every literal is searched for
//! case-sensitively, which lets the SIMD searchers work):
//! 1. the *anchors*, a necessary condition (every action literal, credential word and
//!    `\u`), searched over a whole block with a packed (Teddy) searcher: most blocks of
//!    most logs have none, or a few, and their other lines are never looked at;
//! 2. on the lines an anchor is in, one pass of every list at once (each literal tagged with
//!    the lists it belongs to), and the lists' condition.
//!
//! It may let too much through, never too little: `--no-prefilter` gives byte-identical
//! output.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind, packed};

use crate::event::Platform;
use crate::format::InputFormat;
use crate::rules::RuleSet;

/// The lists a literal can belong to (bits of [`Tagged::tags`]).
mod list {
    pub const ACTION: u8 = 1;
    pub const CREDENTIAL: u8 = 2;
    pub const CREATION: u8 = 4;
    pub const REFUSAL: u8 = 8;
    pub const UNCONDITIONAL: u8 = 16;
    /// A JSON `\u` escape could spell a literal in disguise, so such records always pass.
    pub const ESCAPE: u8 = 32;
}

/// The prefilter of one format: a record passes when it holds an action literal and (for
/// worded formats) a refusal literal, or a credential and a creation word and a refusal, or
/// one of the `unconditional` literals (the actions of a format whose plain lines are also
/// read as text, which need no refusal wording), or a `\u` escape.
pub struct Prefilter {
    /// `None`: the prefilter is off, everything passes.
    stages: Option<Stages>,
}

struct Stages {
    /// How many literals the anchor search holds (Teddy holds 32 well).
    #[cfg(test)]
    anchor_count: usize,
    anchors: Anchors,
    tagged: Tagged,
    /// Worded formats need a refusal literal (or an unconditional one).
    needs_refusal: bool,
    /// Credential words count (app formats) ...
    vocab: bool,
    /// ... and need a creation word beside them (`false`: `near-misses`).
    needs_creation: bool,
}

/// A line of a block the prefilter lets through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// 0-based, within the block.
    pub index: u64,
    /// Where the line is in the block, without its `\n`.
    pub bytes: std::ops::Range<usize>,
}

/// Stage 1: any of the literals, searched for over lowercased bytes.
enum Anchors {
    /// Teddy: several GB/s while matches are rare.
    Packed(packed::Searcher),
    /// Too many literals (or no SIMD): the automaton.
    Automaton(AhoCorasick),
}

impl Anchors {
    fn new(literals: &[String]) -> Option<Anchors> {
        match packed::Searcher::new(literals.iter()) {
            Some(searcher) => Some(Anchors::Packed(searcher)),
            None => automaton(literals).map(Anchors::Automaton),
        }
    }

    /// The start of the first anchor in `lower[from..]`.
    fn find(&self, lower: &[u8], from: usize) -> Option<usize> {
        match self {
            Anchors::Packed(s) => s.find_in(lower, aho_corasick::Span::from(from..lower.len())),
            Anchors::Automaton(ac) => {
                ac.find(aho_corasick::Input::new(lower).span(from..lower.len()))
            }
        }
        .map(|m| m.start())
    }
}

/// Stage 2: every literal of every list, tagged with its lists, found overlapping in one pass.
struct Tagged {
    automaton: AhoCorasick,
    tags: Vec<u8>,
    #[cfg(test)]
    literals: Vec<String>,
}

impl Tagged {
    fn new(lists: &[(&[String], u8)]) -> Option<Tagged> {
        let mut tagged: Vec<(String, u8)> = Vec::new();
        for (literals, tag) in lists {
            // A literal holding another of its list says nothing more about that list.
            for literal in &shortest(literals.to_vec()) {
                match tagged.iter_mut().find(|(l, _)| l == literal) {
                    Some((_, tags)) => *tags |= tag,
                    None => tagged.push((literal.clone(), *tag)),
                }
            }
        }
        let literals: Vec<String> = tagged.iter().map(|(l, _)| l.clone()).collect();
        Some(Tagged {
            automaton: automaton(&literals)?,
            tags: tagged.into_iter().map(|(_, t)| t).collect(),
            #[cfg(test)]
            literals,
        })
    }

    /// The lists of which `lower` holds a literal.
    fn lists_in(&self, lower: &[u8]) -> u8 {
        self.automaton
            .find_overlapping_iter(lower)
            .fold(0, |found, m| found | self.tags[m.pattern().as_usize()])
    }
}

impl Stages {
    /// Stage 2 on one lowercased record.
    fn record_passes(&self, lower: &[u8]) -> bool {
        self.passes(self.tagged.lists_in(lower))
    }

    fn passes(&self, found: u8) -> bool {
        use list::*;
        let refused = !self.needs_refusal || found & (REFUSAL | UNCONDITIONAL) != 0;
        let vocab = self.vocab
            && found & CREDENTIAL != 0
            && (!self.needs_creation || found & CREATION != 0);
        (refused && (found & ACTION != 0 || vocab)) || found & ESCAPE != 0
    }
}

/// The literal lists of one format's prefilter (all lowercase).
struct Lists<'a> {
    actions: &'a [String],
    vocab: Option<&'a Words>,
    refusal: Option<&'a [String]>,
    unconditional: &'a [String],
}

impl Prefilter {
    fn build(lists: Lists<'_>) -> Prefilter {
        let escape = ["\\u".to_string()];
        let no_words = Vec::new();
        let credential = lists.vocab.map_or(&no_words, |v| &v.credential);
        let creation = lists
            .vocab
            .and_then(|v| v.creation.as_ref())
            .unwrap_or(&no_words);
        let mut anchors: Vec<String> = lists.actions.to_vec();
        anchors.extend(credential.iter().cloned());
        anchors.extend(lists.unconditional.iter().cloned());
        anchors.extend(escape.iter().cloned());
        let Some(tagged) = Tagged::new(&[
            (lists.actions, list::ACTION),
            (credential, list::CREDENTIAL),
            (creation, list::CREATION),
            (lists.refusal.unwrap_or(&[]), list::REFUSAL),
            (lists.unconditional, list::UNCONDITIONAL),
            (&escape, list::ESCAPE),
        ]) else {
            return Prefilter { stages: None };
        };
        let anchors = shortest(anchors);
        #[cfg(test)]
        let anchor_count = anchors.len();
        let Some(anchors) = Anchors::new(&anchors) else {
            return Prefilter { stages: None };
        };
        Prefilter {
            stages: Some(Stages {
                #[cfg(test)]
                anchor_count,
                anchors,
                tagged,
                needs_refusal: lists.refusal.is_some(),
                vocab: lists.vocab.is_some(),
                needs_creation: lists.vocab.is_some_and(|v| v.creation.is_some()),
            }),
        }
    }

    /// Whether the prefilter is on (off, every record must be parsed).
    pub fn is_on(&self) -> bool {
        self.stages.is_some()
    }

    /// The lines of a block that may match, by their 0-based index and byte range, given
    /// `lower`, the block (`\n`-separated) ASCII-lowercased: one anchor search over the whole
    /// block instead of one call per line. `None` when the prefilter is off (every line must
    /// be looked at).
    pub fn candidates(&self, lower: &[u8]) -> Option<Vec<Candidate>> {
        let stages = self.stages.as_ref()?;
        let mut found = Vec::new();
        let (mut pos, mut line, mut counted) = (0, 0u64, 0);
        while let Some(hit) = stages.anchors.find(lower, pos) {
            let start = memchr::memrchr(b'\n', &lower[..hit]).map_or(0, |p| p + 1);
            let end = memchr::memchr(b'\n', &lower[hit..]).map_or(lower.len(), |p| hit + p);
            line += memchr::memchr_iter(b'\n', &lower[counted..start]).count() as u64;
            counted = start;
            if stages.record_passes(&lower[start..end]) {
                found.push(Candidate {
                    index: line,
                    bytes: start..end,
                });
            }
            if end >= lower.len() {
                break;
            }
            pos = end + 1;
        }
        Some(found)
    }

    /// False only when the record certainly holds no key-generation action (or, for worded
    /// formats, no refusal). `lower` is the record ASCII-lowercased.
    pub fn may_match_lower(&self, lower: &[u8]) -> bool {
        self.stages
            .as_ref()
            .is_none_or(|s| s.anchors.find(lower, 0).is_some() && s.record_passes(lower))
    }

    /// [`Prefilter::may_match_lower`] for a record as it was read.
    pub fn may_match(&self, raw: &[u8]) -> bool {
        if self.stages.is_none() {
            return true;
        }
        with_lowercase(raw, |lower| self.may_match_lower(lower))
    }
}

/// Run `f` on `raw` ASCII-lowercased, in a buffer kept per thread.
pub fn with_lowercase<T>(raw: &[u8], f: impl FnOnce(&[u8]) -> T) -> T {
    thread_local! {
        static LOWER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    LOWER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => {
            lowercase_into(raw, &mut buffer);
            f(&buffer)
        }
        // Re-entered (a record read again as text inside `f`): a buffer of its own.
        Err(_) => f(&raw.to_ascii_lowercase()),
    })
}

/// `raw` ASCII-lowercased into `buffer` (its old content replaced).
pub fn lowercase_into(raw: &[u8], buffer: &mut Vec<u8>) {
    buffer.clear();
    buffer.extend_from_slice(raw);
    buffer.make_ascii_lowercase();
}

/// The vocabulary's literals for a format whose records (or fallback text) are app logs.
struct Words {
    credential: Vec<String>,
    /// `None`: a credential word alone makes a candidate (`near-misses`).
    creation: Option<Vec<String>>,
}

impl Words {
    fn of(rules: &RuleSet, format: InputFormat, need_creation: bool) -> Option<Words> {
        let app = format.platforms().contains(&crate::event::Platform::App)
            || format.falls_back_to_text();
        app.then(|| Words {
            credential: lowercase(rules.vocab_credential_literals()),
            creation: need_creation.then(|| lowercase(rules.vocab_creation_literals())),
        })
    }
}

/// The automaton of a literal list (lowercase, found case-sensitively in lowercased bytes);
/// formats share the same lists, so each is built once (an `AhoCorasick` clone shares its
/// automaton). `None` when it cannot be built: the prefilter is then off.
fn automaton(literals: &[String]) -> Option<AhoCorasick> {
    type Cache = Mutex<HashMap<Vec<String>, Option<AhoCorasick>>>;
    static BUILT: LazyLock<Cache> = LazyLock::new(|| Mutex::new(HashMap::new()));
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    built
        .entry(literals.to_vec())
        .or_insert_with(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(literals)
                .or_else(|_| AhoCorasickBuilder::new().build(literals))
                .ok()
        })
        .clone()
}

/// A prefilter for every input format.
pub struct Prefilters {
    by_format: Vec<(InputFormat, Prefilter)>,
}

impl Prefilters {
    /// Per format, every literal of the actions that apply to its platforms, and for worded
    /// formats the refusal literals. A format whose foreign lines are read as text also
    /// passes what the text prefilter passes.
    pub fn new(rules: &RuleSet) -> Prefilters {
        let by_format = InputFormat::ALL
            .into_iter()
            .map(|format| (format, Self::build(rules, format)))
            .collect();
        Prefilters { by_format }
    }

    /// Per format, only the action and credential literals (and those of text, for a
    /// format that falls back to it): for `near-misses`, which also wants key generations
    /// and credentials that were not refused.
    pub fn without_refusal(rules: &RuleSet) -> Prefilters {
        let by_format = InputFormat::ALL
            .into_iter()
            .map(|format| {
                let vocab = Words::of(rules, format, false);
                let prefilter = Prefilter::build(Lists {
                    actions: &actions_of(rules, format),
                    vocab: vocab.as_ref(),
                    refusal: None,
                    unconditional: &[],
                });
                (format, prefilter)
            })
            .collect();
        Prefilters { by_format }
    }

    /// A record passes when it holds an action literal of its format's platforms and, for
    /// worded platforms (app logs), a refusal literal. So a format whose records come from
    /// several kinds of platform (a wrapper carrying audit JSON, an access log whose foreign
    /// lines are read as text) passes `(worded action and refusal) or structured action`.
    fn build(rules: &RuleSet, format: InputFormat) -> Prefilter {
        let actions = actions_of(rules, format);
        let needs_refusal = format.refusal_by_wording() || format.falls_back_to_text();
        if !needs_refusal {
            return Prefilter::build(Lists {
                actions: &actions,
                vocab: None,
                refusal: None,
                unconditional: &[],
            });
        }
        let structured: Vec<Platform> = format
            .platforms()
            .iter()
            .copied()
            .filter(|p| !p.is_worded())
            .collect();
        let unconditional = match structured.is_empty() {
            true => Vec::new(),
            false => lowercase(rules.prefilter_literals(&structured)),
        };
        let vocab = Words::of(rules, format, true);
        let refusal = rules.refusal_literals().map(lowercase);
        Prefilter::build(Lists {
            actions: &actions,
            vocab: vocab.as_ref(),
            refusal: refusal.as_deref(),
            unconditional: &unconditional,
        })
    }

    /// Prefilters that pass everything.
    pub fn disabled() -> Prefilters {
        Prefilters {
            by_format: Vec::new(),
        }
    }

    /// The prefilter for `format` (one that passes everything when disabled).
    pub fn for_format(&self, format: InputFormat) -> &Prefilter {
        const PASS: Prefilter = Prefilter { stages: None };
        self.by_format
            .iter()
            .find(|(f, _)| *f == format)
            .map_or(&PASS, |(_, p)| p)
    }
}

/// The action literals of the platforms a format's records can have, and those of text for
/// a format whose foreign lines are read as text.
fn actions_of(rules: &RuleSet, format: InputFormat) -> Vec<String> {
    let mut literals = rules.prefilter_literals(format.platforms());
    if format.falls_back_to_text() {
        literals.extend(rules.prefilter_literals(InputFormat::Text.platforms()));
    }
    lowercase(literals)
}

/// The literals no other literal is part of: a text holds one of `literals` only if it
/// holds one of these (so the anchor search has few, which SIMD searchers need).
fn shortest(mut literals: Vec<String>) -> Vec<String> {
    literals.sort();
    literals.dedup();
    let kept: Vec<String> = literals
        .iter()
        .filter(|l| !literals.iter().any(|m| m != *l && l.contains(m.as_str())))
        .cloned()
        .collect();
    kept
}

fn lowercase(mut literals: Vec<String>) -> Vec<String> {
    for literal in &mut literals {
        literal.make_ascii_lowercase();
    }
    literals.sort();
    literals.dedup();
    literals
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn prefilters() -> Prefilters {
        Prefilters::new(&RuleSet::load(&[] as &[&str]).expect("built-in rules"))
    }

    /// Teddy, the SIMD anchor search, is fastest with at most 32 literals ("slim"); with more
    /// it is twice as slow ("fat"), and past 64 it is not used at all.
    #[test]
    fn every_format_has_few_anchors() {
        let all = prefilters();
        for format in InputFormat::ALL {
            let Some(stages) = &all.for_format(format).stages else {
                continue;
            };
            assert!(
                matches!(stages.anchors, Anchors::Packed(_)),
                "{format:?}: no SIMD anchor search"
            );
            let n = stages.anchor_count;
            assert!(n <= 32, "{format:?}: {n} anchors");
        }
    }

    /// A literal that is a common word (or in one) sends most records of a log to be parsed:
    /// an entry such as "already has" must not be looked for as "has" ("won't" as "won").
    #[test]
    fn no_literal_is_a_common_word() {
        const COMMON: [&str; 16] = [
            "has", "hav", "have", "the", "and", "for", "with", "was", "are", "more", "mor", "turn",
            "won", "own", "webhook", "that",
        ];
        let all = prefilters();
        let mut found = Vec::new();
        for format in InputFormat::ALL {
            let Some(stages) = &all.for_format(format).stages else {
                continue;
            };
            let common: Vec<&String> = stages
                .tagged
                .literals
                .iter()
                .filter(|l| COMMON.contains(&l.as_str()))
                .collect();
            if !common.is_empty() {
                found.push(format!("{format:?}: {common:?}"));
            }
        }
        assert!(found.is_empty(), "{found:?}");
    }

    /// Words the prefilter knows and words it does not, to build lines from.
    const WORDS: &[&str] = &[
        "Failed",
        "to",
        "create",
        "API",
        "key",
        "permission",
        "denied",
        "ERROR",
        "token",
        "for",
        "user",
        "bob",
        "403",
        "Forbidden",
        "generate",
        "access_token",
        "quota",
        "exceeded",
        "CreateAccessKey",
        "AccessDenied",
        "listing",
        "keys",
        "\\u0041",
        "secret",
        "issue",
        "INFO",
        "GET",
        "/api/keys",
        "status=401",
        "{\"eventName\":",
        "\"errorCode\":",
        "cache",
    ];

    fn line() -> impl Strategy<Value = String> {
        proptest::collection::vec((proptest::sample::select(WORDS), any::<u8>()), 0..12).prop_map(
            |words| {
                let cased: Vec<String> = words
                    .iter()
                    .map(|(w, case)| match case % 3 {
                        0 => w.to_string(),
                        1 => w.to_ascii_uppercase(),
                        _ => w.to_ascii_lowercase(),
                    })
                    .collect();
                cased.join(" ")
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// The anchor search over a whole block finds exactly the lines the per-record check
        /// passes: the anchors are a necessary condition, and nothing is lost between stages.
        #[test]
        fn block_candidates_are_the_lines_that_pass(lines in proptest::collection::vec(line(), 1..30)) {
            let prefilters = prefilters();
            let block = lines.join("\n");
            let lower = block.to_ascii_lowercase();
            for format in InputFormat::ALL {
                let prefilter = prefilters.for_format(format);
                let found: Vec<u64> = prefilter
                    .candidates(lower.as_bytes())
                    .expect("prefilter on")
                    .into_iter()
                    .map(|c| c.index)
                    .collect();
                let expected: Vec<u64> = (0u64..)
                    .zip(&lines)
                    .filter(|(_, l)| prefilter.may_match(l.as_bytes()))
                    .map(|(i, _)| i)
                    .collect();
                prop_assert_eq!(found, expected, "{:?}", format);
            }
        }
    }

    #[test]
    fn case_does_not_matter_and_refusal_is_needed_for_app_logs() {
        let prefilters = prefilters();
        let text = prefilters.for_format(InputFormat::Text);
        assert!(text.may_match(b"FAILED TO CREATE API KEY: PERMISSION DENIED"));
        assert!(text.may_match(b"failed to create api key: permission denied"));
        assert!(!text.may_match(b"Created API key ak_1 for bob"));
        assert!(!text.may_match(b"sshd[1]: Connection closed by 10.0.0.1"));
        let cloudtrail = prefilters.for_format(InputFormat::Cloudtrail);
        assert!(cloudtrail.may_match(br#"{"eventName":"CREATEACCESSKEY"}"#));
        assert!(!cloudtrail.may_match(br#"{"eventName":"GetObject","errorCode":"AccessDenied"}"#));
        assert!(cloudtrail.may_match(br#"{"eventName":"\u0043reateAccessKey"}"#));
        assert!(
            Prefilters::disabled()
                .for_format(InputFormat::Text)
                .may_match(b"anything")
        );
    }
}
