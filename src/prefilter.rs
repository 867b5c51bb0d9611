//! The prefilter: one case-insensitive multi-literal scan per input format, derived from the
//! rules, that skips records which cannot be a key generation before they are parsed. A
//! format only sees the literals of actions for the platforms its records can have (CloudTrail
//! records are AWS, so an app's `access key` wording is not looked for there). It may let too
//! much through, never too little: `--no-prefilter` gives byte-identical output.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::format::InputFormat;
use crate::rules::RuleSet;

/// One literal scan.
pub struct Prefilter {
    literals: Option<AhoCorasick>,
}

impl Prefilter {
    fn build(literals: &[String]) -> Prefilter {
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(literals)
            .or_else(|_| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .build(literals)
            })
            .ok();
        Prefilter {
            literals: automaton,
        }
    }

    /// False only when `raw` certainly holds no key-generation action. A JSON `\u` escape
    /// could spell a literal in disguise, so such records always pass.
    pub fn may_match(&self, raw: &[u8]) -> bool {
        match &self.literals {
            None => true,
            Some(ac) => ac.is_match(raw) || memchr::memmem::find(raw, b"\\u").is_some(),
        }
    }
}

/// A prefilter for every input format.
pub struct Prefilters {
    by_format: Vec<(InputFormat, Prefilter)>,
}

impl Prefilters {
    /// Per format, every literal of the actions that apply to its platforms.
    pub fn new(rules: &RuleSet) -> Prefilters {
        let by_format = InputFormat::ALL
            .into_iter()
            .map(|format| {
                (
                    format,
                    Prefilter::build(&rules.prefilter_literals(format.platforms())),
                )
            })
            .collect();
        Prefilters { by_format }
    }

    /// Prefilters that pass everything.
    pub fn disabled() -> Prefilters {
        Prefilters {
            by_format: Vec::new(),
        }
    }

    /// The prefilter for `format` (one that passes everything when disabled).
    pub fn for_format(&self, format: InputFormat) -> &Prefilter {
        const PASS: Prefilter = Prefilter { literals: None };
        self.by_format
            .iter()
            .find(|(f, _)| *f == format)
            .map_or(&PASS, |(_, p)| p)
    }
}
