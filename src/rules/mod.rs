//! Rules are data: which actions are key generation, what wording marks a refusal in free
//! text, and which evidence means which cause. Built-in TOML files are embedded in the binary;
//! `--rules FILE` adds user files in the same schema (schema in `builtin/README.md`).

mod schema;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use regex::bytes::{Regex, RegexSet, RegexSetBuilder};

use crate::event::{Cause, Platform};
use crate::vocab::{Concept, Vocabulary};
pub use schema::{ActionSpec, CauseDoc, ConceptSpec, DenialSpec, RuleFile, RuleSpec};

/// The embedded rule files, in load order.
pub const BUILTIN: [(&str, &str); 7] = [
    ("builtin/actions.toml", include_str!("builtin/actions.toml")),
    (
        "builtin/vocabulary.toml",
        include_str!("builtin/vocabulary.toml"),
    ),
    ("builtin/denials.toml", include_str!("builtin/denials.toml")),
    ("builtin/aws.toml", include_str!("builtin/aws.toml")),
    ("builtin/gcp.toml", include_str!("builtin/gcp.toml")),
    (
        "builtin/platforms.toml",
        include_str!("builtin/platforms.toml"),
    ),
    ("builtin/common.toml", include_str!("builtin/common.toml")),
];

const CAUSES_TOML: &str = include_str!("builtin/causes.toml");

/// A problem in a rules file: which file, which rule, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    pub rule: Option<String>,
    pub problem: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule {
            Some(rule) => write!(f, "{}: rule `{}`: {}", self.file, rule, self.problem),
            None => write!(f, "{}: {}", self.file, self.problem),
        }
    }
}

impl std::error::Error for RuleError {}

/// A compiled key-generation action matcher.
#[derive(Debug)]
pub struct Action {
    pub id: String,
    /// The action name recorded for records matched by text or path.
    pub name: String,
    pub platforms: Vec<Platform>,
    names: Vec<String>,
    pattern: Option<Regex>,
    message: Option<Regex>,
    path: Option<Regex>,
    methods: Vec<String>,
    pub literals: Vec<String>,
    /// What credential it mints and why that counts (`rules list`).
    pub description: String,
    pub file: String,
}

/// How a record was recognised as a key generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchedBy {
    /// Its structured action name (`names` or `pattern`).
    Name,
    /// Its message wording.
    Message,
    /// Its request method and path.
    Path,
}

/// A compiled cause rule. All given conditions must hold; list conditions match any item.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub cause: Cause,
    pub priority: i64,
    pub description: String,
    pub file: String,
    platforms: Vec<Platform>,
    actions: Vec<String>,
    error_codes: Vec<String>,
    statuses: Vec<u16>,
    message: Option<Regex>,
    unless: Option<Regex>,
    fields: Vec<(String, String)>,
}

/// What a cause rule can look at.
pub struct Facts<'r> {
    pub platform: Platform,
    pub action: &'r str,
    pub error_code: Option<&'r str>,
    pub status: Option<u16>,
    pub text: &'r str,
    pub field: &'r dyn Fn(&str) -> Option<&'r str>,
}

/// The whole rule set: actions, denial wording and cause rules sorted by priority.
#[derive(Debug)]
pub struct RuleSet {
    pub actions: Vec<Action>,
    action_names: HashMap<String, usize>,
    /// Every action's `message` regex in one set (one pass over the text), and the index of
    /// the action each pattern belongs to.
    action_messages: RegexSet,
    action_message_owner: Vec<usize>,
    denials: RegexSet,
    pub denial_ids: Vec<String>,
    /// Every denial's literals, or `None` when a denial has none (then nothing can be
    /// skipped for lack of refusal wording).
    denial_literals: Option<Vec<String>>,
    pub rules: Vec<Rule>,
    /// The word lists of free text (credential, creation, refusal, causes).
    pub vocab: Vocabulary,
    /// How many words each concept has, for `rules list`.
    pub concept_counts: Vec<(String, usize)>,
    pub causes: Vec<CauseDoc>,
    /// A short digest of every loaded rule file, to tell rule sets apart in reports.
    pub digest: String,
}

impl RuleSet {
    /// The built-in rules, plus user files (whose rules win priority ties over built-ins).
    pub fn load(user_files: &[impl AsRef<Path>]) -> Result<RuleSet, RuleError> {
        let mut sources: Vec<(String, String)> = Vec::new();
        for path in user_files {
            let path = path.as_ref();
            let text = std::fs::read_to_string(path).map_err(|e| RuleError {
                file: path.display().to_string(),
                rule: None,
                problem: format!("cannot read: {e}"),
            })?;
            sources.push((path.display().to_string(), text));
        }
        sources.extend(BUILTIN.iter().map(|(f, t)| (f.to_string(), t.to_string())));
        RuleSet::from_sources(&sources)
    }

    /// Compile rule files given as (name, TOML text).
    pub fn from_sources(sources: &[(String, String)]) -> Result<RuleSet, RuleError> {
        let mut actions = Vec::new();
        let mut denials = Vec::new();
        let mut rules = Vec::new();
        let mut concepts = Vec::new();
        for (file, text) in sources {
            let parsed = schema::parse(file, text)?;
            for spec in parsed.action {
                actions.push(schema::compile_action(file, text, spec)?);
            }
            for spec in parsed.denial {
                denials.push(schema::check_denial(file, text, spec)?);
            }
            for spec in parsed.rule {
                rules.push(schema::compile_rule(file, text, spec)?);
            }
            for spec in parsed.concept {
                concepts.push(schema::compile_concept(file, spec)?);
            }
        }
        schema::check_unique_ids(&actions, &rules)?;
        // Stable sort: equal priorities keep load order (user files first).
        rules.sort_by_key(|r| std::cmp::Reverse(r.priority));
        let denial_set = regex_set(
            denials.iter().map(|d| d.message.get_ref().as_str()),
            "denials",
        )?;
        let action_names = index_action_names(&actions);
        let action_message_owner: Vec<usize> = (0..actions.len())
            .filter(|&i| actions[i].message.is_some())
            .collect();
        let action_messages = regex_set(
            action_message_owner
                .iter()
                .filter_map(|&i| actions[i].message.as_ref().map(Regex::as_str)),
            "actions",
        )?;
        Ok(RuleSet {
            actions,
            action_names,
            action_messages,
            action_message_owner,
            denials: denial_set,
            denial_literals: denial_literals(&denials),
            denial_ids: denials.into_iter().map(|d| d.id).collect(),
            rules,
            vocab: Vocabulary::new(&concepts),
            concept_counts: concept_counts(&concepts),
            causes: causes(),
            digest: digest(sources),
        })
    }

    /// The key-generation action this record performs, if any, and how it was recognised:
    /// by its structured action name first, else by message wording, else request path.
    pub fn match_action(
        &self,
        platform: Platform,
        action: Option<&str>,
        text: &str,
        method: Option<&str>,
        path: Option<&str>,
    ) -> Option<(&Action, MatchedBy)> {
        let applicable = || self.actions.iter().filter(move |a| a.applies_to(platform));
        if let Some(name) = action {
            let by_name = self
                .action_names
                .get(&name.to_ascii_lowercase())
                .map(|&i| &self.actions[i])
                .filter(|a| a.applies_to(platform))
                .or_else(|| {
                    applicable().find(|a| {
                        a.pattern
                            .as_ref()
                            .is_some_and(|re| re.is_match(name.as_bytes()))
                    })
                });
            if let Some(found) = by_name {
                return Some((found, MatchedBy::Name));
            }
        }
        let by_message = self
            .action_messages
            .matches(text.as_bytes())
            .into_iter()
            .map(|i| &self.actions[self.action_message_owner[i]])
            .find(|a| a.applies_to(platform));
        if let Some(found) = by_message {
            return Some((found, MatchedBy::Message));
        }
        applicable()
            .find(|a| a.matches_path(method, path))
            .map(|found| (found, MatchedBy::Path))
    }

    /// Whether free text says the request was refused.
    pub fn text_says_denied(&self, text: &str) -> bool {
        self.denials.is_match(text.as_bytes())
    }

    /// The cause of a denied event and the id of the rule that decided it.
    pub fn classify(&self, facts: &Facts<'_>) -> (Cause, &str) {
        self.rules
            .iter()
            .find(|r| r.matches(facts))
            .map(|r| (r.cause, r.id.as_str()))
            .unwrap_or((Cause::Unknown, ""))
    }

    /// [`RuleSet::classify`], weighed against the cause the vocabulary read (app logs): the
    /// higher priority wins, a cause rule on a tie; rules for a cause the vocabulary vetoed
    /// are skipped. Gives the cause and the deciding id (`vocabulary.<cause>` when the words
    /// decided).
    pub fn classify_with(
        &self,
        facts: &Facts<'_>,
        vocab: Option<(Cause, i64)>,
        vetoed: &[Cause],
    ) -> (Cause, String) {
        let rule = self
            .rules
            .iter()
            .find(|r| !vetoed.contains(&r.cause) && r.matches(facts));
        match (rule, vocab) {
            (Some(r), Some((_, p))) if r.priority >= p => (r.cause, r.id.clone()),
            (_, Some((cause, _))) => (cause, format!("vocabulary.{}", cause.id())),
            (Some(r), None) => (r.cause, r.id.clone()),
            (None, None) => (Cause::Unknown, String::new()),
        }
    }

    pub fn cause_doc(&self, cause: Cause) -> Option<&CauseDoc> {
        self.causes.iter().find(|c| c.id == cause)
    }

    /// Words one of which every record denied by a denial rule contains, with the status
    /// codes that deny on their own; `None` when a user denial lacks literals. A record
    /// denied by wording holds one of these or one of [`RuleSet::vocab_refusal_literals`].
    pub fn refusal_literals(&self) -> Option<Vec<String>> {
        let mut literals = self.denial_literals.clone()?;
        literals.extend(["401", "402", "403"].map(String::from));
        literals.sort();
        literals.dedup();
        Some(literals)
    }

    /// The vocabulary's refusal and failure words (each at the start of a word).
    pub fn vocab_refusal_literals(&self) -> Vec<String> {
        self.vocab
            .word_literals(&[Concept::Refusal, Concept::Failure])
    }

    /// Literals one of which every app record the vocabulary makes a key generation holds:
    /// its credential words...
    pub fn vocab_credential_literals(&self) -> Vec<String> {
        self.vocab.literals(&Concept::CREDENTIALS)
    }

    /// ...and its creation words.
    pub fn vocab_creation_literals(&self) -> Vec<String> {
        self.vocab
            .word_literals(&[Concept::Create, Concept::CreateAdjacent])
    }

    /// Every literal some action for one of `platforms` needs: a record of those platforms
    /// containing none of them (ASCII case-insensitively) cannot be a key generation.
    pub fn prefilter_literals(&self, platforms: &[Platform]) -> Vec<String> {
        let mut literals: Vec<String> = self
            .actions
            .iter()
            .filter(|a| a.platforms.is_empty() || a.platforms.iter().any(|p| platforms.contains(p)))
            .flat_map(|a| a.literals.iter().map(|l| l.to_ascii_lowercase()))
            .collect();
        literals.sort();
        literals.dedup();
        literals
    }
}

impl Action {
    fn applies_to(&self, platform: Platform) -> bool {
        self.platforms.is_empty() || self.platforms.contains(&platform)
    }

    fn matches_path(&self, method: Option<&str>, path: Option<&str>) -> bool {
        let (Some(re), Some(path)) = (&self.path, path) else {
            return false;
        };
        re.is_match(path.as_bytes())
            && (self.methods.is_empty()
                || method.is_some_and(|m| self.methods.iter().any(|x| x.eq_ignore_ascii_case(m))))
    }

    /// Describes how the action is recognised, for `rules list`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.names.is_empty() {
            parts.push(format!("names: {}", self.names.join(", ")));
        }
        if let Some(re) = &self.pattern {
            parts.push(format!("pattern: /{re}/"));
        }
        if let Some(re) = &self.message {
            parts.push(format!("message: /{re}/"));
        }
        if let Some(re) = &self.path {
            parts.push(format!("path: {} /{re}/", self.methods.join("|")));
        }
        parts.join("; ")
    }
}

impl Rule {
    fn matches(&self, f: &Facts<'_>) -> bool {
        (self.platforms.is_empty() || self.platforms.contains(&f.platform))
            && (self.actions.is_empty()
                || self
                    .actions
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(f.action)))
            && (self.error_codes.is_empty()
                || f.error_code
                    .is_some_and(|c| self.error_codes.iter().any(|x| x.eq_ignore_ascii_case(c))))
            && (self.statuses.is_empty() || f.status.is_some_and(|s| self.statuses.contains(&s)))
            && self
                .message
                .as_ref()
                .is_none_or(|re| re.is_match(f.text.as_bytes()))
            && self
                .unless
                .as_ref()
                .is_none_or(|re| !re.is_match(f.text.as_bytes()))
            && self
                .fields
                .iter()
                .all(|(k, v)| (f.field)(k).is_some_and(|x| x.eq_ignore_ascii_case(v)))
    }

    /// Describes the rule's conditions, for `rules list`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let list = |name: &str, items: &[String]| format!("{name}: {}", items.join(", "));
        if !self.platforms.is_empty() {
            let ids: Vec<String> = self.platforms.iter().map(|p| p.id().to_string()).collect();
            parts.push(list("platforms", &ids));
        }
        if !self.actions.is_empty() {
            parts.push(list("actions", &self.actions));
        }
        if !self.error_codes.is_empty() {
            parts.push(list("error_codes", &self.error_codes));
        }
        if !self.statuses.is_empty() {
            let codes: Vec<String> = self.statuses.iter().map(u16::to_string).collect();
            parts.push(list("statuses", &codes));
        }
        if let Some(re) = &self.message {
            parts.push(format!("message: /{re}/"));
        }
        if let Some(re) = &self.unless {
            parts.push(format!("unless: /{re}/"));
        }
        for (k, v) in &self.fields {
            parts.push(format!("{k} = {v}"));
        }
        parts.join("; ")
    }
}

/// Words per concept id, in first-seen order.
fn concept_counts(concepts: &[crate::vocab::ConceptWords]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for list in concepts {
        let id = concept_id(list.concept);
        match counts.iter_mut().find(|(c, _)| *c == id) {
            Some((_, n)) => *n += list.words.len(),
            None => counts.push((id, list.words.len())),
        }
    }
    counts
}

fn concept_id(concept: Concept) -> String {
    match concept {
        Concept::Cause(cause) => format!("cause.{}", cause.id()),
        other => Concept::IDS
            .iter()
            .find(|id| Concept::from_id(id) == Some(other))
            .map_or_else(String::new, |id| id.to_string()),
    }
}

fn denial_literals(denials: &[DenialSpec]) -> Option<Vec<String>> {
    let mut literals = Vec::new();
    for denial in denials {
        if denial.literals.is_empty() {
            return None;
        }
        literals.extend(denial.literals.iter().map(|l| l.to_ascii_lowercase()));
    }
    literals.sort();
    literals.dedup();
    Some(literals)
}

/// Patterns are matched byte-wise with ASCII classes, like every rule regex (see
/// [`schema::compile_regex`]).
fn regex_set<'p>(
    patterns: impl Iterator<Item = &'p str>,
    what: &str,
) -> Result<RegexSet, RuleError> {
    RegexSetBuilder::new(patterns)
        .unicode(false)
        .build()
        .map_err(|e| RuleError {
            file: what.into(),
            rule: None,
            problem: e.to_string(),
        })
}

fn index_action_names(actions: &[Action]) -> HashMap<String, usize> {
    let mut index = HashMap::new();
    for (i, action) in actions.iter().enumerate() {
        for name in &action.names {
            index.entry(name.to_ascii_lowercase()).or_insert(i);
        }
    }
    index
}

fn causes() -> Vec<CauseDoc> {
    schema::parse_causes(CAUSES_TOML).unwrap_or_default()
}

/// FNV-1a over every file name and text: cheap, stable across runs and platforms.
fn digest(sources: &[(String, String)]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, text) in sources {
        for byte in name.bytes().chain([0]).chain(text.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests;
