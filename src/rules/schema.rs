//! The TOML schema of rule files and its validation: every problem names the file, the rule
//! and what is wrong (a TOML syntax error also names line and column).

use std::collections::{BTreeMap, HashSet};

use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;
use toml::Spanned;

use super::{Action, Rule, RuleError};
use crate::event::{Cause, Platform};
use crate::vocab::{self, Concept, ConceptWords};

/// One rules file: any mix of `[[action]]`, `[[denial]]` and `[[rule]]` tables.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    #[serde(default)]
    pub action: Vec<ActionSpec>,
    #[serde(default)]
    pub denial: Vec<DenialSpec>,
    #[serde(default)]
    pub rule: Vec<RuleSpec>,
    #[serde(default)]
    pub concept: Vec<ConceptSpec>,
}

/// `[[concept]]`: words that extend one concept of the vocabulary.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConceptSpec {
    pub concept: String,
    /// For `credential` and `credential.weak`: the action name recorded.
    pub action: Option<String>,
    pub words: Vec<String>,
    /// For `cause.*`: words that veto the cause.
    #[serde(default)]
    pub unless: Vec<String>,
    /// For `credential`: the prefilter looks for each entry whole (its words joined by a
    /// blank, `-`, `_`, `.` or nothing), not for its longest word: for credentials whose
    /// longest word is common ("app password": "password" is in every failed login).
    #[serde(default)]
    pub whole: bool,
}

/// `[[action]]`: a key-generation action, recognised by structured name, message or path.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    pub id: String,
    pub name: Option<String>,
    #[serde(default)]
    pub platforms: Vec<String>,
    #[serde(default)]
    pub names: Vec<String>,
    pub pattern: Option<Spanned<String>>,
    pub message: Option<Spanned<String>>,
    pub path: Option<Spanned<String>>,
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub literals: Vec<String>,
    /// What credential this mints and why it counts, for `rules list`.
    #[serde(default)]
    pub description: String,
}

/// `[[denial]]`: wording that marks a refusal in free text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenialSpec {
    pub id: String,
    pub message: Spanned<String>,
    /// Words one of which every match contains; without them the prefilter cannot skip
    /// records for lack of refusal wording.
    #[serde(default)]
    pub literals: Vec<String>,
}

/// `[[rule]]`: evidence for a cause. All given conditions must hold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub cause: String,
    #[serde(default = "default_priority")]
    pub priority: i64,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub platforms: Vec<String>,
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub error_codes: Vec<String>,
    #[serde(default)]
    pub statuses: Vec<u16>,
    pub message: Option<Spanned<String>>,
    pub unless: Option<Spanned<String>>,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

fn default_priority() -> i64 {
    100
}

/// A cause's documentation and remediation (`causes.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CauseDoc {
    pub id: Cause,
    pub title: String,
    pub meaning: String,
    pub todo: String,
    pub steps: Vec<String>,
}

#[derive(Deserialize)]
struct CausesFile {
    cause: Vec<CauseDoc>,
}

pub(super) fn parse_causes(text: &str) -> Result<Vec<CauseDoc>, toml::de::Error> {
    toml::from_str::<CausesFile>(text).map(|f| f.cause)
}

pub(super) fn parse(file: &str, text: &str) -> Result<RuleFile, RuleError> {
    toml::from_str(text).map_err(|e| {
        let location = e
            .span()
            .map(|span| line_col(text, span.start))
            .map(|(line, col)| format!(":{line}:{col}"))
            .unwrap_or_default();
        RuleError {
            file: format!("{file}{location}"),
            rule: None,
            problem: e.message().to_string(),
        }
    })
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

pub(super) fn compile_action(
    file: &str,
    text: &str,
    spec: ActionSpec,
) -> Result<Action, RuleError> {
    let err = |problem: String| RuleError {
        file: file.into(),
        rule: Some(spec.id.clone()),
        problem,
    };
    let platforms = platforms(&spec.platforms).map_err(err)?;
    let pattern = regex(spec.pattern.as_ref(), "pattern", file, text).map_err(err)?;
    let message = regex(spec.message.as_ref(), "message", file, text).map_err(err)?;
    let path = regex(spec.path.as_ref(), "path", file, text).map_err(err)?;
    if spec.names.is_empty() && pattern.is_none() && message.is_none() && path.is_none() {
        return Err(err(
            "needs at least one of `names`, `pattern`, `message` or `path`".into(),
        ));
    }
    let mut literals = spec.literals.clone();
    literals.extend(spec.names.iter().map(|n| name_literal(n).to_string()));
    if (pattern.is_some() || message.is_some() || path.is_some()) && spec.literals.is_empty() {
        return Err(err(
            "a `pattern`, `message` or `path` action must list `literals`: words one of which every matching record contains (used by the prefilter)".into(),
        ));
    }
    if let Some(short) = literals.iter().find(|l| l.trim().len() < 3) {
        return Err(err(format!(
            "literal {short:?} is shorter than 3 characters"
        )));
    }
    Ok(Action {
        name: spec
            .name
            .clone()
            .or_else(|| spec.names.first().cloned())
            .unwrap_or_else(|| spec.id.clone()),
        id: spec.id,
        platforms,
        names: spec.names,
        pattern,
        message,
        path,
        methods: spec.methods,
        literals,
        description: spec.description,
        file: file.into(),
    })
}

/// The part of a structured name that appears verbatim in a raw record:
/// `iam:CreateAccessKey` is logged as eventSource `iam...` + eventName `CreateAccessKey`;
/// `create serviceaccounts/token` as verb `create` + resource + subresource `token`.
fn name_literal(name: &str) -> &str {
    let last = name.rsplit(':').next().unwrap_or(name);
    last.rsplit([' ', '/'])
        .find(|part| part.len() >= 3)
        .unwrap_or(last)
}

pub(super) fn check_denial(
    file: &str,
    text: &str,
    spec: DenialSpec,
) -> Result<DenialSpec, RuleError> {
    regex(Some(&spec.message), "message", file, text).map_err(|problem| RuleError {
        file: file.into(),
        rule: Some(spec.id.clone()),
        problem,
    })?;
    Ok(spec)
}

pub(super) fn compile_rule(file: &str, text: &str, spec: RuleSpec) -> Result<Rule, RuleError> {
    let err = |problem: String| RuleError {
        file: file.into(),
        rule: Some(spec.id.clone()),
        problem,
    };
    let cause = Cause::from_id(&spec.cause).ok_or_else(|| {
        let known: Vec<&str> = Cause::ALL.iter().map(|c| c.id()).collect();
        err(format!(
            "unknown cause {:?} (expected one of: {})",
            spec.cause,
            known.join(", ")
        ))
    })?;
    let platforms = platforms(&spec.platforms).map_err(err)?;
    let message = regex(spec.message.as_ref(), "message", file, text).map_err(err)?;
    let unless = regex(spec.unless.as_ref(), "unless", file, text).map_err(err)?;
    let has_evidence = !spec.actions.is_empty()
        || !spec.error_codes.is_empty()
        || !spec.statuses.is_empty()
        || message.is_some()
        || !spec.fields.is_empty();
    if !has_evidence {
        return Err(err(
            "has no condition: give `error_codes`, `statuses`, `message`, `actions` or `fields`"
                .into(),
        ));
    }
    Ok(Rule {
        id: spec.id,
        cause,
        priority: spec.priority,
        description: spec.description,
        file: file.into(),
        platforms,
        actions: spec.actions,
        error_codes: spec.error_codes,
        statuses: spec.statuses,
        message,
        unless,
        fields: spec.fields.into_iter().collect(),
    })
}

pub(super) fn check_unique_ids(actions: &[Action], rules: &[Rule]) -> Result<(), RuleError> {
    let mut seen = HashSet::new();
    let ids = actions
        .iter()
        .map(|a| (&a.id, &a.file))
        .chain(rules.iter().map(|r| (&r.id, &r.file)));
    for (id, file) in ids {
        if !seen.insert(id.as_str()) {
            return Err(RuleError {
                file: file.clone(),
                rule: Some(id.clone()),
                problem: "duplicate id (ids must be unique across all loaded rule files)".into(),
            });
        }
    }
    Ok(())
}

fn platforms(ids: &[String]) -> Result<Vec<Platform>, String> {
    ids.iter()
        .map(|id| {
            Platform::from_id(id).ok_or_else(|| {
                let known: Vec<&str> = Platform::ALL.iter().map(|p| p.id()).collect();
                format!(
                    "unknown platform {id:?} (expected one of: {})",
                    known.join(", ")
                )
            })
        })
        .collect()
}

/// Rule regexes match the bytes of a record's text with ASCII classes: `\w`, `\s`, `\b`,
/// `\d` and `(?i)` cover ASCII only (log wording is ASCII; Unicode tables made the built-in
/// rules compile to twice the memory). `(?u:...)` turns Unicode on for a group.
pub(super) fn compile_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern).unicode(false).build()
}

/// Compile a regex field; an error names the line and column of the value in the file.
fn regex(
    value: Option<&Spanned<String>>,
    field: &str,
    file: &str,
    text: &str,
) -> Result<Option<Regex>, String> {
    let Some(value) = value else { return Ok(None) };
    compile_regex(value.get_ref()).map(Some).map_err(|e| {
        let (line, col) = line_col(text, value.span().start);
        format!("invalid regex in `{field}` (at {file}:{line}:{col}): {e}")
    })
}

/// Check a `[[concept]]` table: a known concept, at least one word, each word usable, and
/// `action` / `unless` only where they mean something.
pub(super) fn compile_concept(file: &str, spec: ConceptSpec) -> Result<ConceptWords, RuleError> {
    let err = |problem: String| RuleError {
        file: file.into(),
        rule: Some(format!("concept {}", spec.concept)),
        problem,
    };
    let concept = Concept::from_id(&spec.concept).ok_or_else(|| {
        let causes: Vec<String> = Cause::ALL
            .iter()
            .filter(|c| **c != Cause::Unknown)
            .map(|c| format!("cause.{}", c.id()))
            .collect();
        err(format!(
            "unknown concept {:?} (expected one of: {}, {})",
            spec.concept,
            Concept::IDS.join(", "),
            causes.join(", ")
        ))
    })?;
    if spec.words.is_empty() {
        return Err(err("`words` is empty".into()));
    }
    let credential = Concept::CREDENTIALS.contains(&concept);
    if spec.action.is_some() && !credential {
        return Err(err(
            "`action` is only for `credential`, `credential.weak` and `credential.qualified`"
                .into(),
        ));
    }
    if spec.whole && concept != Concept::Credential {
        return Err(err("`whole` is only for `credential`".into()));
    }
    if !spec.unless.is_empty() && !matches!(concept, Concept::Cause(_)) {
        return Err(err("`unless` is only for `cause.*` concepts".into()));
    }
    let problem = spec
        .words
        .iter()
        .find_map(|w| vocab::check_entry(concept, w))
        .or_else(|| {
            spec.unless
                .iter()
                .find_map(|w| vocab::check_entry(Concept::Stop, w))
        });
    if let Some(problem) = problem {
        return Err(err(problem));
    }
    Ok(ConceptWords {
        concept,
        action: spec.action,
        words: spec.words,
        unless: spec.unless,
        whole: spec.whole,
    })
}
