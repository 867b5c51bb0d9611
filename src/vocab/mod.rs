//! The vocabulary model of free text: word lists (data, from `[[concept]]` tables of the rule
//! files) compiled into phrase matchers over normalised words ([`words`]). [`read`] turns a
//! message into concepts: which credential is being created, whether it was refused, and the
//! cause its words name. The prefilter's literals are derived from these lists.

mod read;
pub(crate) mod words;

use std::collections::HashMap;

use crate::event::Cause;
pub use read::Reading;
pub use words::{Word, stem, words};

/// The concepts a word list can extend (`concept = "..."` in a `[[concept]]` table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Concept {
    /// A credential on its own: "api key", "client secret", "personal access token".
    Credential,
    /// A noun that is a credential only when qualified or the direct object of creating:
    /// "token", "key", "secret".
    CredentialWeak,
    /// A noun that is a credential only when qualified: "webhook secret", "robot account
    /// secret" (a bare "secret" is a Kubernetes Secret or a vault entry).
    CredentialQualified,
    /// A word before a weak noun that makes it a credential: "service account", "deploy".
    Qualifier,
    /// Words one of which a record must hold for a bare weak noun to be a credential
    /// ("key" alone is one only beside "api", "access", "credential", ...).
    Context,
    /// Words beside a credential noun that make it something else: "encryption key",
    /// "csrf token", "key name".
    NotCredential,
    /// Words anywhere in a record that make a bare "key" a cryptographic or storage key
    /// ("kms", "gpg", "cache"): without them, a bare key that is the direct object of
    /// creating ("Error creating key: FORBIDDEN") is a credential.
    NotCredentialContext,
    /// Words that mark a sign-in or session, whose tokens are not generated credentials.
    Session,
    /// The act of creating: "create", "issue", "mint", "generation".
    Create,
    /// Creation words that count only right beside the credential: "token request", "new key".
    CreateAdjacent,
    /// Words that make an action name something other than creating: `api_key.rotate.read`,
    /// `ListKeys`, `token.create.preview`.
    NotCreate,
    /// Words allowed between a creation verb and its credential: "a", "new", "another".
    Filler,
    /// Words allowed between a credential and a passive participle: "is", "could", "not".
    Passive,
    /// Words that end the search for a verb's object: "for", "with", "after".
    Stop,
    /// A refusal: "denied", "forbidden", "not permitted", "403".
    Refusal,
    /// A failure, a refusal only with a stated cause: "failed", "unable", "cannot".
    Failure,
    /// Failures that are not refusals: "timeout", "connection refused", "already exists".
    NotRefusal,
    /// Role names ("owner", "admin"): evidence for insufficient_role only as a requirement.
    Role,
    /// Words that make a role name a requirement: "only", "must be", "requires", "not a".
    RoleRequirement,
    /// Evidence for a cause.
    Cause(Cause),
}

impl Concept {
    /// Every concept id, for error messages.
    pub const IDS: [&'static str; 19] = [
        "credential",
        "credential.weak",
        "credential.qualified",
        "credential.qualifier",
        "credential.context",
        "credential.not",
        "credential.not_context",
        "session",
        "create",
        "create.adjacent",
        "create.not",
        "filler",
        "filler.passive",
        "stop",
        "refusal",
        "failure",
        "not_refusal",
        "role",
        "role.requirement",
    ];

    pub fn from_id(id: &str) -> Option<Concept> {
        if let Some(cause) = id.strip_prefix("cause.") {
            return Cause::from_id(cause)
                .filter(|c| *c != Cause::Unknown)
                .map(Concept::Cause);
        }
        let i = Concept::IDS.iter().position(|x| *x == id)?;
        Some(
            [
                Concept::Credential,
                Concept::CredentialWeak,
                Concept::CredentialQualified,
                Concept::Qualifier,
                Concept::Context,
                Concept::NotCredential,
                Concept::NotCredentialContext,
                Concept::Session,
                Concept::Create,
                Concept::CreateAdjacent,
                Concept::NotCreate,
                Concept::Filler,
                Concept::Passive,
                Concept::Stop,
                Concept::Refusal,
                Concept::Failure,
                Concept::NotRefusal,
                Concept::Role,
                Concept::RoleRequirement,
            ][i],
        )
    }

    /// Whether records are kept by the prefilter for words of this concept, so each phrase
    /// needs a word of 3+ letters to look for.
    pub fn prefiltered(self) -> bool {
        matches!(
            self,
            Concept::Credential
                | Concept::CredentialWeak
                | Concept::CredentialQualified
                | Concept::Refusal
                | Concept::Failure
        )
    }

    /// The concepts that name a credential (alone, qualified, or as a verb's object).
    pub const CREDENTIALS: [Concept; 3] = [
        Concept::Credential,
        Concept::CredentialWeak,
        Concept::CredentialQualified,
    ];
}

/// Cause priorities when a message names several (documented in `builtin/README.md`; the
/// same order as the built-in cause rules).
pub fn cause_priority(cause: Cause) -> i64 {
    match cause {
        Cause::Unauthenticated => 700,
        Cause::MfaRequired => 600,
        Cause::QuotaExceeded => 500,
        Cause::PlanRestriction => 400,
        Cause::NetworkRestriction => 300,
        Cause::PolicyBlock => 200,
        Cause::InsufficientRole => 100,
        Cause::Unknown => 0,
    }
}

/// One phrase: stems in order, and for credentials the action name it records.
#[derive(Debug, Clone)]
struct Phrase {
    stems: Vec<String>,
    action: Option<String>,
    /// The entry's words as written, when the prefilter looks for them whole.
    whole: Option<Vec<String>>,
    /// Written as one word from an entry of several (`deploykey`): the entry's literals
    /// cover it.
    compound: bool,
}

/// The phrases of one concept.
#[derive(Debug, Default)]
struct List {
    phrases: Vec<Phrase>,
}

impl List {
    fn add(&mut self, phrase: Phrase) {
        self.phrases.push(phrase);
    }
}

/// Where the phrase `stems` matching at `start` ends, if it does: its words in order within
/// one clause, with up to two `skip` words between them, and up to three words of any kind
/// where the phrase has a `~` ("missing ~ permission": "missing the Overall/Administer
/// permission").
fn match_at(stems: &[String], words: &[Word], start: usize, skip: &[String]) -> Option<usize> {
    let clause = words[start].clause;
    let (mut at, mut skipped, mut gap) = (start + 1, 0, 0);
    for stem in &stems[1..] {
        if stem == GAP {
            gap = 3;
            continue;
        }
        loop {
            let word = words.get(at).filter(|w| w.clause == clause)?;
            if &word.stem == stem {
                break;
            }
            if gap > 0 {
                gap -= 1;
                at += 1;
                continue;
            }
            if skipped < 2 && skip.contains(&word.stem) {
                skipped += 1;
                at += 1;
                continue;
            }
            return None;
        }
        gap = 0;
        at += 1;
    }
    Some(at)
}

/// The word of a phrase that stands for up to three words of any kind.
const GAP: &str = "~";

/// One cause's words, and words that veto them ("limit" is no key quota next to "rate").
#[derive(Debug, Default)]
struct CauseList {
    words: List,
    unless: List,
}

/// A `[[concept]]` table as written: which concept, its words, optional action and unless.
#[derive(Debug, Clone)]
pub struct ConceptWords {
    pub concept: Concept,
    pub action: Option<String>,
    pub words: Vec<String>,
    pub unless: Vec<String>,
    /// The prefilter looks for each entry whole, not for its longest word.
    pub whole: bool,
}

/// Which list a phrase belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Slot {
    List(Concept),
    CauseWords(Cause),
    CauseUnless(Cause),
}

/// Every phrase match in one message: (list, start, end exclusive, phrase index).
#[derive(Debug, Default)]
struct Hits {
    found: Vec<(Slot, usize, usize, usize)>,
}

impl Hits {
    fn of(&self, slot: Slot) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        self.found
            .iter()
            .filter(move |h| h.0 == slot)
            .map(|&(_, s, e, p)| (s, e, p))
    }

    fn list(&self, concept: Concept) -> Vec<(usize, usize, usize)> {
        self.of(Slot::List(concept)).collect()
    }

    fn any(&self, concept: Concept) -> bool {
        self.of(Slot::List(concept)).next().is_some()
    }
}

/// Every word list, compiled.
#[derive(Debug, Default)]
pub struct Vocabulary {
    lists: HashMap<Concept, List>,
    causes: Vec<(Cause, CauseList)>,
    skip: Vec<String>,
    /// First stem -> every phrase (of any list) starting with it: one lookup per word.
    index: HashMap<String, Vec<(Slot, usize)>>,
    /// Finds the credential literals: a message without one is not tokenized at all.
    credential_finder: Option<aho_corasick::AhoCorasick>,
    /// Finds the creation literals: neither is a message without one.
    creation_finder: Option<aho_corasick::AhoCorasick>,
}

impl Vocabulary {
    /// Compile word lists (from every loaded file, in load order).
    pub fn new(lists: &[ConceptWords]) -> Vocabulary {
        let mut vocab = Vocabulary {
            skip: [
                "is", "was", "were", "are", "has", "have", "had", "been", "be", "the",
            ]
            .iter()
            .map(|w| stem(w))
            .collect(),
            ..Vocabulary::default()
        };
        for list in lists {
            let entries: Vec<String> = list.words.iter().flat_map(|w| expand(w)).collect();
            let compounds: Vec<String> = match list.concept {
                Concept::Credential => entries.iter().filter_map(|e| closed_compound(e)).collect(),
                _ => Vec::new(),
            };
            let written = entries.iter().map(|e| (e, false));
            let phrases = written
                .chain(compounds.iter().map(|e| (e, true)))
                .filter_map(|(w, compound)| {
                    let mut p = phrase(w, &list.action)?;
                    if list.whole && !compound {
                        p.whole = Some(w.split_whitespace().map(str::to_ascii_lowercase).collect());
                    }
                    p.compound = compound;
                    Some(p)
                });
            match list.concept {
                Concept::Cause(cause) => {
                    let entry = vocab.cause_list(cause);
                    phrases.for_each(|p| entry.words.add(p));
                    let unless: Vec<Phrase> = list
                        .unless
                        .iter()
                        .flat_map(|w| expand(w))
                        .filter_map(|w| phrase(&w, &None))
                        .collect();
                    let entry = vocab.cause_list(cause);
                    unless.into_iter().for_each(|p| entry.unless.add(p));
                }
                concept => {
                    let entry = vocab.lists.entry(concept).or_default();
                    phrases.for_each(|p| entry.add(p));
                }
            }
        }
        vocab.index_phrases();
        let finder = |concepts: &[Concept]| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(vocab.literals(concepts))
                .ok()
        };
        let credential = finder(&Concept::CREDENTIALS);
        let creation = finder(&[Concept::Create, Concept::CreateAdjacent]);
        vocab.credential_finder = credential;
        vocab.creation_finder = creation;
        vocab
    }

    /// Whether `text` may name a credential being created (holds a credential literal and
    /// a creation literal).
    pub fn may_name_creation(&self, text: &str) -> bool {
        let has =
            |f: &Option<aho_corasick::AhoCorasick>| f.as_ref().is_none_or(|f| f.is_match(text));
        has(&self.credential_finder) && has(&self.creation_finder)
    }

    fn index_phrases(&mut self) {
        let mut index: HashMap<String, Vec<(Slot, usize)>> = HashMap::new();
        let mut add = |slot: Slot, list: &List| {
            for (i, p) in list.phrases.iter().enumerate() {
                index.entry(p.stems[0].clone()).or_default().push((slot, i));
            }
        };
        for (concept, list) in &self.lists {
            add(Slot::List(*concept), list);
        }
        for (cause, list) in &self.causes {
            add(Slot::CauseWords(*cause), &list.words);
            add(Slot::CauseUnless(*cause), &list.unless);
        }
        self.index = index;
    }

    fn phrase(&self, slot: Slot, i: usize) -> Option<&Phrase> {
        let list = match slot {
            Slot::List(concept) => self.lists.get(&concept)?,
            Slot::CauseWords(cause) => &self.causes.iter().find(|(c, _)| *c == cause)?.1.words,
            Slot::CauseUnless(cause) => &self.causes.iter().find(|(c, _)| *c == cause)?.1.unless,
        };
        list.phrases.get(i)
    }

    /// Every phrase match of every list, in one pass over the words.
    fn find(&self, words: &[Word]) -> Hits {
        let mut found = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let Some(candidates) = self.index.get(&word.stem) else {
                continue;
            };
            for &(slot, p) in candidates {
                let Some(phrase) = self.phrase(slot, p) else {
                    continue;
                };
                if let Some(end) = match_at(&phrase.stems, words, i, &self.skip) {
                    found.push((slot, i, end, p));
                }
            }
        }
        Hits { found }
    }

    fn cause_list(&mut self, cause: Cause) -> &mut CauseList {
        let at = match self.causes.iter().position(|(c, _)| *c == cause) {
            Some(at) => at,
            None => {
                self.causes.push((cause, CauseList::default()));
                self.causes.len() - 1
            }
        };
        &mut self.causes[at].1
    }

    /// Literals (lower-case) one of which every record with a phrase of these concepts
    /// contains. A phrase holding a word that is an entry of its own is covered by that
    /// entry ("access denied" by "denied"), and a literal holding another is dropped, so the
    /// prefilter looks for few, short words.
    pub fn literals(&self, concepts: &[Concept]) -> Vec<String> {
        let all = self.word_literals(concepts);
        all.iter()
            .filter(|l| !all.iter().any(|m| m != *l && l.contains(m.as_str())))
            .cloned()
            .collect()
    }

    /// [`Vocabulary::literals`] with those that hold another kept: each starts a word
    /// ("regenerat" starts the words "generat" is only inside), for a search that counts a
    /// literal only at the start of a word.
    pub fn word_literals(&self, concepts: &[Concept]) -> Vec<String> {
        let phrases: Vec<&Phrase> = concepts
            .iter()
            .filter_map(|c| self.lists.get(c))
            .flat_map(|l| l.phrases.iter())
            .collect();
        let single: Vec<&String> = phrases
            .iter()
            .filter(|p| p.stems.len() == 1)
            .map(|p| &p.stems[0])
            .collect();
        // A phrase's literal is not a word another stage already looks for ("not created" is
        // looked for as "not", not as "creat"; "token expired" as "expir"), and if it can be,
        // not a filler that is in every sentence ("has expired" as "expir", "have no
        // permission" as "permiss"; "wasn't created" still as "wasn").
        let single_stems = |of: &[Concept]| -> Vec<&String> {
            of.iter()
                .filter(|c| !concepts.contains(c))
                .filter_map(|c| self.lists.get(c))
                .flat_map(|l| l.phrases.iter())
                .filter(|p| p.stems.len() == 1)
                .map(|p| &p.stems[0])
                .collect()
        };
        let others = single_stems(&[
            Concept::Credential,
            Concept::CredentialWeak,
            Concept::CredentialQualified,
            Concept::Create,
            Concept::CreateAdjacent,
        ]);
        let fillers = single_stems(&[Concept::Filler, Concept::Passive]);
        // How many phrases hold each word: a phrase is looked for by the word most share
        // ("not issued", "not created" and "not permitted" all by "not").
        // Credentials are looked for by their own longest word ("application password" by
        // "applicat", not by the "password" several share).
        let mut shared: HashMap<&String, usize> = HashMap::new();
        let by_credential = concepts.contains(&Concept::Credential);
        for p in phrases.iter().filter(|_| !by_credential) {
            let mut seen: Vec<&String> = p.stems.iter().collect();
            seen.sort();
            seen.dedup();
            seen.into_iter()
                .for_each(|s| *shared.entry(s).or_default() += 1);
        }
        let mut out: Vec<String> = phrases
            .iter()
            .filter(|p| !p.compound)
            .filter(|p| p.stems.len() == 1 || !p.stems.iter().any(|s| single.contains(&s)))
            .flat_map(|p| match &p.whole {
                Some(words) => whole_literals(words),
                None => phrase_literals(&p.stems, &others, &fillers, &shared),
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// The literals of an entry looked for whole: its words joined by a blank, `-`, `_` or
/// nothing; a single word followed by what usually ends it (a blank, a plural `s`, `:`).
/// Few, so the anchor search keeps few literals.
fn whole_literals(words: &[String]) -> Vec<String> {
    match words {
        [word] => [" ", "s", ":"]
            .iter()
            .map(|end| format!("{word}{end}"))
            .collect(),
        // Without the first letter: "pp password" is in every "app password", and the
        // anchor search then does not stop at every "ap" of "api".
        _ => ["", " ", "-", "_"]
            .iter()
            .map(|sep| {
                let joined = words.join(sep);
                let mut chars = joined.chars();
                chars.next();
                chars.as_str().to_string()
            })
            .collect(),
    }
}

/// The literals of a phrase: those of the stem most phrases share, the longest of those
/// (the first of equal length: "may lack" is looked for as "may"), neither in `avoid` nor in
/// `fillers` if it can be, else not in `avoid`, else any.
fn phrase_literals(
    stems: &[String],
    avoid: &[&String],
    fillers: &[&String],
    shared: &HashMap<&String, usize>,
) -> Vec<String> {
    let longest = |allowed: &dyn Fn(&String) -> bool| {
        stems
            .iter()
            .rev()
            .filter(|s| s.len() >= 3 && allowed(s))
            .max_by_key(|s| (shared.get(s).copied().unwrap_or(0), s.len()))
    };
    longest(&|s| !avoid.contains(&s) && !fillers.contains(&s))
        .or_else(|| longest(&|s| !avoid.contains(&s)))
        .or_else(|| longest(&|_| true))
        .map(|s| words::literals_of_stem(s))
        .unwrap_or_default()
}

/// A word list entry as a phrase, `None` when it has no word at all. `~` stands for up to
/// three words of any kind.
fn phrase(text: &str, action: &Option<String>) -> Option<Phrase> {
    let mut stems: Vec<String> = Vec::new();
    for token in text.split_whitespace() {
        match token {
            GAP if !stems.is_empty() && stems.last().is_some_and(|s| s != GAP) => {
                stems.push(GAP.to_string())
            }
            GAP => {}
            _ => stems.extend(words(token).into_iter().map(|w| w.stem)),
        }
    }
    if stems.last().is_some_and(|s| s == GAP) {
        stems.pop();
    }
    (!stems.is_empty()).then(|| Phrase {
        stems,
        action: action.clone(),
        whole: None,
        compound: false,
    })
}

/// A word list entry with its alternatives spelled out: `{token|session} expired` is
/// "token expired" and "session expired" (groups multiply; no nesting).
pub fn expand(entry: &str) -> Vec<String> {
    let Some(open) = entry.find('{') else {
        return vec![entry.to_string()];
    };
    let Some(len) = entry[open..].find('}') else {
        return vec![entry.to_string()];
    };
    let (head, group, tail) = (
        &entry[..open],
        &entry[open + 1..open + len],
        &entry[open + len + 1..],
    );
    group
        .split('|')
        .flat_map(|alt| expand(&format!("{head}{}{tail}", alt.trim())))
        .collect()
}

/// A credential of several words also written as one (`deploy key` as `deploykey`,
/// `app password` as `AppPassword` lower-cased).
fn closed_compound(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    (parts.len() > 1
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_alphanumeric())))
    .then(|| parts.concat())
}

/// Why a word list entry is unusable, if it is (for the rule loader's errors).
pub fn check_entry(concept: Concept, text: &str) -> Option<String> {
    for text in expand(text) {
        let stems: Vec<String> = phrase(&text, &None).map(|p| p.stems).unwrap_or_default();
        if stems.is_empty() {
            return Some(format!("word {text:?} has no letters or digits"));
        }
        if concept.prefiltered() && stems.iter().all(|s| s.len() < 3 || s == GAP) {
            return Some(format!(
                "word {text:?} needs a word of 3 or more letters (the prefilter looks for it)"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests;
