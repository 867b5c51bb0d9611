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
/// The vocabulary reads words, so its creation and refusal words count only where a word can
/// start (`roll` is in every `Controller`, `not` in every `notify`); credential words count
/// anywhere, because the vocabulary reads them inside closed compounds (`apikey`).
struct Tagged {
    automaton: AhoCorasick,
    /// The lists a literal stands for wherever it is.
    tags: Vec<u8>,
    /// The lists it stands for only at the start of a word.
    word_tags: Vec<u8>,
    #[cfg(test)]
    literals: Vec<String>,
}

impl Tagged {
    fn new(lists: &[TaggedList<'_>]) -> Option<Tagged> {
        // (literal, tags anywhere, tags at a word start)
        let mut tagged: Vec<(String, u8, u8)> = Vec::new();
        for list in lists {
            let (anywhere, at_word) = match list.at_word_start {
                true => (0, list.tag),
                false => (list.tag, 0),
            };
            // A literal holding another of its list says nothing more about that list, unless
            // it must start a word ("regenerat" starts words "generat" is inside).
            let literals = match list.at_word_start {
                true => lowercase(list.literals.to_vec()),
                false => shortest(list.literals.to_vec()),
            };
            for literal in &literals {
                match tagged.iter_mut().find(|(l, ..)| l == literal) {
                    Some((_, tags, word_tags)) => {
                        *tags |= anywhere;
                        *word_tags |= at_word;
                    }
                    None => tagged.push((literal.clone(), anywhere, at_word)),
                }
            }
        }
        let literals: Vec<String> = tagged.iter().map(|(l, ..)| l.clone()).collect();
        Some(Tagged {
            automaton: automaton(&literals)?,
            tags: tagged.iter().map(|&(_, t, _)| t).collect(),
            word_tags: tagged.iter().map(|&(.., w)| w).collect(),
            #[cfg(test)]
            literals,
        })
    }

    /// The lists of which the record holds a literal (`lower` is `raw` ASCII-lowercased).
    fn lists_in(&self, raw: &[u8], lower: &[u8]) -> u8 {
        self.automaton
            .find_overlapping_iter(lower)
            .fold(0, |found, m| {
                let pattern = m.pattern().as_usize();
                let word = self.word_tags[pattern];
                match word != 0 && may_start_word(raw, m.start()) {
                    true => found | self.tags[pattern] | word,
                    false => found | self.tags[pattern],
                }
            })
    }
}

/// One list of stage 2: its literals, its bit, and whether they count only at a word start.
struct TaggedList<'a> {
    literals: &'a [String],
    tag: u8,
    at_word_start: bool,
}

impl<'a> TaggedList<'a> {
    fn anywhere(literals: &'a [String], tag: u8) -> TaggedList<'a> {
        TaggedList {
            literals,
            tag,
            at_word_start: false,
        }
    }

    fn at_word_start(literals: &'a [String], tag: u8) -> TaggedList<'a> {
        TaggedList {
            literals,
            tag,
            at_word_start: true,
        }
    }
}

/// Whether a word of the vocabulary (`vocab::words`) may start at `raw[at]`: the start of
/// the record, after anything but a letter, at an upper-case letter or a digit (`camelCase`,
/// `HTTP403`), or after a JSON escape (`\ndenied`). A superset of its word boundaries.
fn may_start_word(raw: &[u8], at: usize) -> bool {
    let Some(before) = at.checked_sub(1).map(|b| raw[b]) else {
        return true;
    };
    !before.is_ascii_alphabetic()
        || !raw.get(at).is_some_and(u8::is_ascii_lowercase)
        || (at >= 2 && raw[at - 2] == b'\\')
}

impl Stages {
    /// Stage 2 on one record (`lower` is `raw` ASCII-lowercased).
    fn record_passes(&self, raw: &[u8], lower: &[u8]) -> bool {
        self.passes(self.tagged.lists_in(raw, lower))
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
    /// `None`: no refusal is needed.
    refusal: Option<&'a [String]>,
    /// The vocabulary's refusal words (with `refusal`).
    refusal_words: &'a [String],
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
        let refusal_words = lists.refusal.map_or(&[][..], |_| lists.refusal_words);
        let Some(tagged) = Tagged::new(&[
            TaggedList::anywhere(lists.actions, list::ACTION),
            TaggedList::anywhere(credential, list::CREDENTIAL),
            TaggedList::at_word_start(creation, list::CREATION),
            TaggedList::anywhere(lists.refusal.unwrap_or(&[]), list::REFUSAL),
            TaggedList::at_word_start(refusal_words, list::REFUSAL),
            TaggedList::anywhere(lists.unconditional, list::UNCONDITIONAL),
            TaggedList::anywhere(&escape, list::ESCAPE),
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
    /// the block `raw` (`\n`-separated) and `lower`, it ASCII-lowercased: one anchor search
    /// over the whole block instead of one call per line. `None` when the prefilter is off
    /// (every line must be looked at).
    pub fn candidates(&self, raw: &[u8], lower: &[u8]) -> Option<Vec<Candidate>> {
        let stages = self.stages.as_ref()?;
        let mut found = Vec::new();
        let (mut pos, mut line, mut counted) = (0, 0u64, 0);
        while let Some(hit) = stages.anchors.find(lower, pos) {
            let start = memchr::memrchr(b'\n', &lower[..hit]).map_or(0, |p| p + 1);
            let end = memchr::memchr(b'\n', &lower[hit..]).map_or(lower.len(), |p| hit + p);
            line += memchr::memchr_iter(b'\n', &lower[counted..start]).count() as u64;
            counted = start;
            if stages.record_passes(&raw[start..end], &lower[start..end]) {
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

    /// False only when the record `raw` certainly holds no key-generation action (or, for
    /// worded formats, no refusal). `lower` is `raw` ASCII-lowercased.
    pub fn may_match_lower(&self, raw: &[u8], lower: &[u8]) -> bool {
        self.stages
            .as_ref()
            .is_none_or(|s| s.anchors.find(lower, 0).is_some() && s.record_passes(raw, lower))
    }

    /// [`Prefilter::may_match_lower`] for a record as it was read.
    pub fn may_match(&self, raw: &[u8]) -> bool {
        if self.stages.is_none() {
            return true;
        }
        with_lowercase(raw, |lower| self.may_match_lower(raw, lower))
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
                    refusal_words: &[],
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
                refusal_words: &[],
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
        let refusal_words = lowercase(rules.vocab_refusal_literals());
        Prefilter::build(Lists {
            actions: &actions,
            vocab: vocab.as_ref(),
            refusal: refusal.as_deref(),
            refusal_words: &refusal_words,
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
                    .candidates(block.as_bytes(), lower.as_bytes())
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
    fn vocabulary_words_count_only_where_a_word_starts() {
        let text = prefilters();
        let text = text.for_format(InputFormat::Text);
        // "roll" in "Controller", "not" in "notify": no creation, no refusal.
        assert!(!text.may_match(b"ERROR [com.acme.KeyController] metrics flushed"));
        assert!(!text.may_match(b"INFO [notify.Sender] cache miss for key k1 (ttl=30s)"));
        // camelCase, a JSON escape and a digit start words too.
        assert!(text.may_match(b"ERROR apiKeyCreateDenied"));
        assert!(text.may_match(br#"{"msg":"API key\ncreate\ndenied"}"#));
        assert!(text.may_match(b"e1 API key create:403"));
        // A word that holds another word's literal is looked for as itself.
        assert!(text.may_match(b"regenerating API key failed: you do not have permission"));
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
