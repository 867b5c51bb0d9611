//! The prefilter: one case-insensitive multi-literal scan, derived from the rules, that skips
//! records which cannot be a key generation before they are parsed. It may let too much
//! through, never too little: `--no-prefilter` gives byte-identical output.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::rules::RuleSet;

pub struct Prefilter {
    literals: Option<AhoCorasick>,
}

impl Prefilter {
    /// A prefilter for every literal the rule set's actions declare.
    pub fn new(rules: &RuleSet) -> Prefilter {
        let literals = rules.prefilter_literals();
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .build(&literals)
            .ok();
        Prefilter {
            literals: automaton,
        }
    }

    /// A prefilter that passes everything.
    pub fn disabled() -> Prefilter {
        Prefilter { literals: None }
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
