//! The prefilter: one case-insensitive multi-literal scan per input format, derived from the
//! rules, that skips records which cannot be a key generation before they are parsed. A
//! format only sees the literals of actions for the platforms its records can have (CloudTrail
//! records are AWS, so an app's `access key` wording is not looked for there); for app logs
//! the literals include the vocabulary's credential words, and the second stage its refusal
//! and failure words. It may let too much through, never too little: `--no-prefilter` gives
//! byte-identical output.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::event::Platform;
use crate::format::InputFormat;
use crate::rules::RuleSet;

/// One literal scan, and for formats whose refusals are worded (app logs) a second one:
/// a record must hold an action literal and a refusal literal, or one of the `unconditional`
/// literals (the actions of a format whose plain lines are also read as text, which need no
/// refusal wording).
pub struct Prefilter {
    literals: Option<AhoCorasick>,
    /// App formats: the vocabulary's credential words, which make a record a candidate
    /// only beside a creation word (`creation`; `None`: no creation word needed).
    credential: Option<AhoCorasick>,
    creation: Option<AhoCorasick>,
    refusal: Option<AhoCorasick>,
    unconditional: Option<AhoCorasick>,
    /// The action literals and `\u`: finds the lines worth a closer look in a whole block.
    finder: Option<AhoCorasick>,
}

impl Prefilter {
    fn build(
        literals: &[String],
        vocab: Option<&Words>,
        refusal: Option<&[String]>,
        unconditional: &[String],
    ) -> Prefilter {
        let mut finder = literals.to_vec();
        finder.extend(vocab.iter().flat_map(|v| v.credential.iter().cloned()));
        finder.push("\\u".to_string());
        Prefilter {
            literals: automaton(literals),
            credential: vocab.and_then(|v| automaton(&v.credential)),
            creation: vocab
                .and_then(|v| v.creation.as_deref())
                .and_then(automaton),
            refusal: refusal.and_then(automaton),
            unconditional: (!unconditional.is_empty())
                .then(|| automaton(unconditional))
                .flatten(),
            finder: automaton(&finder),
        }
    }

    /// The lines of `block` (`\n`-separated, without the `\n`) that may match, with their
    /// 0-based index: one scan over the whole block instead of one call per line. `None`
    /// when the prefilter is off (every line must be looked at).
    pub fn candidates<'b>(&self, block: &'b [u8]) -> Option<Vec<(u64, &'b [u8])>> {
        let finder = self.finder.as_ref()?;
        let mut found = Vec::new();
        let (mut pos, mut line, mut counted) = (0, 0u64, 0);
        while let Some(m) = finder.find(aho_corasick::Input::new(block).span(pos..block.len())) {
            let start = memchr::memrchr(b'\n', &block[..m.start()]).map_or(0, |p| p + 1);
            let end = memchr::memchr(b'\n', &block[m.end()..]).map_or(block.len(), |p| m.end() + p);
            line += memchr::memchr_iter(b'\n', &block[counted..start]).count() as u64;
            counted = start;
            let raw = &block[start..end];
            if self.may_match(raw) {
                found.push((line, raw));
            }
            pos = (end + 1).min(block.len());
            if end >= block.len() {
                break;
            }
        }
        Some(found)
    }

    /// False only when `raw` certainly holds no key-generation action (or, for worded
    /// formats, no refusal). A JSON `\u` escape could spell a literal in disguise, so such
    /// records always pass.
    pub fn may_match(&self, raw: &[u8]) -> bool {
        match &self.literals {
            None => true,
            Some(ac) => {
                let escaped = || memchr::memmem::find(raw, b"\\u").is_some();
                let refused = || {
                    self.refusal.as_ref().is_none_or(|r| r.is_match(raw))
                        || self.unconditional.as_ref().is_some_and(|u| u.is_match(raw))
                };
                let vocab = || {
                    self.credential.as_ref().is_some_and(|c| c.is_match(raw))
                        && self.creation.as_ref().is_none_or(|c| c.is_match(raw))
                };
                // Refusal words are the rarer: looked for first.
                (refused() && (ac.is_match(raw) || vocab())) || escaped()
            }
        }
    }
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
            credential: rules.vocab_credential_literals(),
            creation: need_creation.then(|| rules.vocab_creation_literals()),
        })
    }
}

/// The automaton of a literal list; formats share the same lists, so each is built once
/// (an `AhoCorasick` clone shares its automaton).
fn automaton(literals: &[String]) -> Option<AhoCorasick> {
    type Cache = Mutex<HashMap<Vec<String>, Option<AhoCorasick>>>;
    static BUILT: LazyLock<Cache> = LazyLock::new(|| Mutex::new(HashMap::new()));
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    built
        .entry(literals.to_vec())
        .or_insert_with(|| build_automaton(literals))
        .clone()
}

fn build_automaton(literals: &[String]) -> Option<AhoCorasick> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(literals)
        .or_else(|_| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .build(literals)
        })
        .ok()
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
                let mut literals = rules.prefilter_literals(format.platforms());
                if format.falls_back_to_text() {
                    literals.extend(rules.prefilter_literals(InputFormat::Text.platforms()));
                    literals.sort();
                    literals.dedup();
                }
                let vocab = Words::of(rules, format, false);
                (
                    format,
                    Prefilter::build(&literals, vocab.as_ref(), None, &[]),
                )
            })
            .collect();
        Prefilters { by_format }
    }

    /// A record passes when it holds an action literal of its format's platforms and, for
    /// worded platforms (app logs), a refusal literal. So a format whose records come from
    /// several kinds of platform (a wrapper carrying audit JSON, an access log whose foreign
    /// lines are read as text) passes `(worded action and refusal) or structured action`.
    fn build(rules: &RuleSet, format: InputFormat) -> Prefilter {
        let own = rules.prefilter_literals(format.platforms());
        let needs_refusal = format.refusal_by_wording() || format.falls_back_to_text();
        if !needs_refusal {
            return Prefilter::build(&own, None, None, &[]);
        }
        let mut all = own;
        if format.falls_back_to_text() {
            all.extend(rules.prefilter_literals(InputFormat::Text.platforms()));
            all.sort();
            all.dedup();
        }
        let structured: Vec<Platform> = format
            .platforms()
            .iter()
            .copied()
            .filter(|p| !p.is_worded())
            .collect();
        let unconditional = match structured.is_empty() {
            true => Vec::new(),
            false => rules.prefilter_literals(&structured),
        };
        let vocab = Words::of(rules, format, true);
        let refusal = rules.refusal_literals();
        Prefilter::build(&all, vocab.as_ref(), refusal.as_deref(), &unconditional)
    }

    /// Prefilters that pass everything.
    pub fn disabled() -> Prefilters {
        Prefilters {
            by_format: Vec::new(),
        }
    }

    /// The prefilter for `format` (one that passes everything when disabled).
    pub fn for_format(&self, format: InputFormat) -> &Prefilter {
        const PASS: Prefilter = Prefilter {
            literals: None,
            credential: None,
            creation: None,
            refusal: None,
            unconditional: None,
            finder: None,
        };
        self.by_format
            .iter()
            .find(|(f, _)| *f == format)
            .map_or(&PASS, |(_, p)| p)
    }
}
