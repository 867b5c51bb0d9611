//! Reading a message with the vocabulary: find credential mentions, decide which one is the
//! object of a creation act (before it: "failed to mint a new credential"; after it: "API key
//! could not be created", "token generation"), and collect refusal, failure and cause words.

use std::borrow::Cow;

use super::{Concept, Hits, Slot, Vocabulary, Word, cause_priority, words};
use crate::event::Cause;

/// What the vocabulary made of one message.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The action name of the credential being created, when one is.
    pub action: Option<String>,
    /// A credential is named (created or not).
    pub credential: bool,
    /// A credential on its own or qualified ("API token", not a bare "key") is named.
    pub strong_credential: bool,
    /// An explicit refusal ("denied", "403", "cannot create"), not part of a non-refusal
    /// phrase such as "connection refused".
    pub refusal: bool,
    /// The only refusal words are the operating system's about a file ("open
    /// /var/lib/keys/api.pem: permission denied"): denial wording does not count either.
    pub file_refusal_only: bool,
    /// A failure word ("failed", "unable", "error").
    pub failure: bool,
    /// A failure that is not a refusal ("timeout", "already exists", "503").
    pub not_refusal: bool,
    /// Such a failure in words, not only a status number ("timeout", not "409": plan and
    /// quota refusals come with 403, 409 or 429 alike).
    pub not_refusal_word: bool,
    /// A credential noun was named but made something else by its neighbours ("CSRF
    /// token", "session key"), and no credential is named besides.
    pub blocked_credential: bool,
    /// A credential was named only inside another thing's name (the bucket
    /// `acme-api-keys-archive`).
    pub credential_in_name: bool,
    /// The cause the words name, with its priority.
    pub cause: Option<(Cause, i64)>,
    /// Causes whose `unless` words occur: no rule may give them ("two-factor authentication
    /// required" is no missing sign-in).
    pub vetoed: Vec<Cause>,
}

impl Reading {
    /// Whether the message says the request was refused: an explicit refusal; a failure (or
    /// an outcome field saying failure) with a stated cause and no words that make it
    /// another kind of failure ("timeout for admin" is no role refusal); or an outcome
    /// failure with nothing that makes it another kind of failure.
    pub fn refused(&self, outcome_failure: bool) -> bool {
        self.refusal
            || ((self.failure || outcome_failure) && self.cause.is_some() && !self.not_refusal_word)
            || (outcome_failure && !self.not_refusal)
    }

    /// Whether a failure that is not a refusal is all the words say: no refusal word and no
    /// cause (then refusal wording of the rules does not count either).
    pub fn only_not_refusal(&self) -> bool {
        (self.not_refusal || self.file_refusal_only) && !self.refusal && self.cause.is_none()
    }
}

/// A credential noun phrase found in the words.
#[derive(Debug)]
struct Mention {
    start: usize,
    /// Where the noun itself starts (after its qualifier).
    weak_at: usize,
    end: usize,
    /// A credential on its own or qualified ("api key", "deploy token"), not a bare noun.
    strong: bool,
    action: Option<String>,
}

/// The credential mentions of a message, and the nouns that were something else.
#[derive(Debug, Default)]
struct Mentions {
    found: Vec<Mention>,
    /// Word spans of credential nouns made something else by their neighbours ("CSRF
    /// token") or named inside another thing's name.
    blocked: Vec<(usize, usize)>,
    /// A credential was named inside another thing's name (`acme-api-keys-archive`).
    in_a_name: bool,
}

/// One message's words and every phrase match in them.
struct Text {
    words: Vec<Word>,
    hits: Hits,
    /// For each concept with a match, which words its phrases cover (computed once).
    covers: Vec<(Concept, Vec<bool>)>,
}

impl Text {
    fn new(words: Vec<Word>, hits: Hits) -> Text {
        let n = words.len();
        let mut covers: Vec<(Concept, Vec<bool>)> = Vec::new();
        for &(slot, start, end, _) in &hits.found {
            let Slot::List(concept) = slot else {
                continue;
            };
            let at = match covers.iter().position(|(c, _)| *c == concept) {
                Some(at) => at,
                None => {
                    covers.push((concept, vec![false; n]));
                    covers.len() - 1
                }
            };
            covers[at].1[start..end].iter_mut().for_each(|m| *m = true);
        }
        Text {
            words,
            hits,
            covers,
        }
    }

    /// Which words phrases of `concept` cover.
    fn covered(&self, concept: Concept) -> Cow<'_, [bool]> {
        match self.covers.iter().find(|(c, _)| *c == concept) {
            Some((_, marks)) => Cow::Borrowed(marks),
            None => Cow::Owned(vec![false; self.words.len()]),
        }
    }
}

impl Vocabulary {
    /// Read a message (free text, or structured fields joined into text).
    pub fn read(&self, text: &str) -> Reading {
        self.read_as(text, true)
    }

    /// [`Vocabulary::read`], but only when the message may name a credential being created:
    /// otherwise nothing is read (for records no action rule matched, outside near-misses).
    pub fn read_if_credential(&self, text: &str) -> Reading {
        self.read_as(text, false)
    }

    fn read_as(&self, text: &str, full: bool) -> Reading {
        if !full && !self.may_name_creation(text) {
            return Reading::default();
        }
        let words: Vec<Word> = words(text).into_iter().filter(|w| !w.field_name).collect();
        let hits = self.find(&words);
        let t = Text::new(words, hits);
        if !full && !Concept::CREDENTIALS.iter().any(|&c| t.hits.any(c)) {
            return Reading::default();
        }
        let n = t.words.len();
        let Mentions {
            found: mentions,
            blocked,
            in_a_name,
        } = self.mentions(&t, false);
        let create = not_in_other_act(&t, t.covered(Concept::Create).into_owned());
        let listed = listing_asides(&t);
        let created = mentions
            .iter()
            .filter(|m| !listed[m.start..m.end].iter().any(|x| *x))
            .find(|m| self.is_created(m, &t, &create))
            .or_else(|| elliptic_creation(&mentions, &t, &create));
        let action = created.map(|m| {
            m.action
                .clone()
                .unwrap_or_else(|| "create_credential".into())
        });
        // Words that name the credential are no evidence of how its creation ended
        // ("restricted key", "admin token", "developer key").
        // So are the words of a noun made something else ("CSRF token missing" says nothing
        // of how a creation ended).
        let mut named = vec![false; n];
        for m in &mentions {
            named[m.start..m.end].iter_mut().for_each(|x| *x = true);
        }
        for &(s, e) in &blocked {
            named[s..e].iter_mut().for_each(|x| *x = true);
        }
        let outside = |s: usize, e: usize| (s..e).any(|i| !named[i]);
        // A cause phrase that holds a non-refusal phrase reads as the cause ("session has timed
        // out" is no network timeout).
        let mut cause_words = vec![false; n];
        for &(slot, s, e, _) in &t.hits.found {
            if matches!(slot, Slot::CauseWords(_)) && unquoted(&t.words[s..e]) {
                cause_words[s..e].iter_mut().for_each(|x| *x = true);
            }
        }
        let not_refusals: Vec<(usize, usize, usize)> = t
            .hits
            .list(Concept::NotRefusal)
            .into_iter()
            .filter(|&(s, e, _)| (s..e).any(|i| !cause_words[i]))
            .collect();
        let mut not_refusal = vec![false; n];
        for &(s, e, _) in &not_refusals {
            not_refusal[s..e].iter_mut().for_each(|x| *x = true);
        }
        let cause = self.cause(&t, &named, &not_refusal);
        // "Rejected access key request: payload invalid": refused for a reason that is no
        // refusal (stated after it, no cause named).
        let reason_after =
            |s: usize| cause.is_none() && not_refusals.iter().any(|&(ns, _, _)| ns > s);
        let file_refusal = t
            .hits
            .list(Concept::Refusal)
            .iter()
            .any(|&(s, _, _)| file_error(&t.words, s));
        let refusal_hit = t.hits.list(Concept::Refusal).iter().any(|&(s, e, _)| {
            (s..e).all(|i| !not_refusal[i])
                && !stray_number(&t.words, s, e)
                && outside(s, e)
                && !file_error(&t.words, s)
                && !reason_after(s)
        });
        let any_not_refusal = not_refusal.iter().any(|x| *x);
        let not_refusal_word = not_refusals
            .iter()
            .any(|&(s, e, _)| !(e == s + 1 && t.words[s].stem.bytes().all(|b| b.is_ascii_digit())));
        Reading {
            credential: !mentions.is_empty(),
            strong_credential: mentions.iter().any(|m| m.strong),
            refusal: refusal_hit || (!any_not_refusal && self.cannot_create(&t, &create)),
            // A name says nothing failed ("license 'expired'" from `license=expired`).
            failure: t
                .hits
                .list(Concept::Failure)
                .iter()
                .any(|&(s, e, _)| outside(s, e) && unquoted(&t.words[s..e])),
            not_refusal: any_not_refusal,
            not_refusal_word,
            blocked_credential: !blocked.is_empty() && !mentions.iter().any(|m| m.strong),
            credential_in_name: in_a_name && mentions.is_empty(),
            file_refusal_only: file_refusal && !refusal_hit,
            cause,
            vetoed: self.vetoed(&t),
            action,
        }
    }

    /// A structured action name (`key.issue`, `ServiceTokenCreate`): its words hold a
    /// credential and a creation word, in any order. Gives the action name.
    pub fn read_action_name(&self, name: &str) -> Option<String> {
        let words = words(name);
        let hits = self.find(&words);
        let t = Text::new(words, hits);
        let create = t.covered(Concept::Create);
        if !create.iter().any(|c| *c) && !t.hits.any(Concept::CreateAdjacent) {
            return None;
        }
        if t.hits.any(Concept::NotCreate) {
            return None;
        }
        self.mentions(&t, true)
            .found
            .into_iter()
            .find(|m| (m.start..m.end).all(|i| !create[i]))
            .map(|m| m.action.unwrap_or_else(|| "create_credential".into()))
    }

    /// Credential mentions, blocked ones left out, and the word spans of nouns blocked by
    /// their neighbours ("CSRF token"). `bare_ok`: a bare noun counts even in a session
    /// context or without context words (an action field names its object exactly).
    fn mentions(&self, t: &Text, bare_ok: bool) -> Mentions {
        let words = &t.words;
        let mut found: Vec<Mention> = t
            .hits
            .list(Concept::Credential)
            .into_iter()
            .map(|(start, end, p)| Mention {
                start,
                weak_at: start,
                end,
                strong: true,
                action: self.action_of(Concept::Credential, p),
            })
            .collect();
        // (start, end, phrase, its list): weak nouns, and those credentials only qualified.
        let weak: Vec<(usize, usize, usize, Concept)> =
            [Concept::CredentialWeak, Concept::CredentialQualified]
                .into_iter()
                .flat_map(|c| {
                    t.hits
                        .list(c)
                        .into_iter()
                        .map(move |(s, e, p)| (s, e, p, c))
                })
                .collect();
        if weak.is_empty() && found.is_empty() {
            return Mentions::default();
        }
        let mut blocked = Vec::new();
        let mut in_a_name = false;
        let create_at = t.covered(Concept::Create);
        let qualifiers = t.hits.list(Concept::Qualifier);
        let not = t.hits.list(Concept::NotCredential);
        let session = !bare_ok && t.hits.any(Concept::Session);
        // Context outside asides and outside refusal words ("AccessDenied" is no access key).
        let refusal = t.covered(Concept::Refusal);
        let context = bare_ok
            || t.hits
                .list(Concept::Context)
                .iter()
                .any(|&(s, e, _)| !words[s].aside && (s..e).all(|i| !refusal[i]));
        for (start, end, p, list) in weak {
            // `CreateToken`: an API's name, verb then noun, says exactly what it creates, even
            // in a sign-in ("key-generation" is no API's name).
            let run = words[start].run;
            let named_act =
                words[start].joined && (0..start).any(|k| words[k].run == run && create_at[k]);
            if found.iter().any(|m| m.weak_at <= start && start < m.end) || (session && !named_act)
            {
                continue;
            }
            let same = |i: usize| {
                words[i].clause == words[start].clause && words[i].aside == words[start].aside
            };
            // "KMS data key", "encryption master key"; not "error creating key".
            // "private app token", "secrets manager access token": a qualifier between is
            // what the word before describes, not the noun.
            let qualified_at = |i: usize| qualifiers.iter().any(|&(s, e, _)| s <= i && i < e);
            let blocked_before = not.iter().find(|&&(_, e, _)| {
                let next_to = e == start || (e + 1 == start && !create_at[e] && !qualified_at(e));
                next_to && same(e - 1)
            });
            if let Some(&(s, _, _)) = blocked_before {
                blocked.push((s, end));
                continue;
            }
            let qualifier = qualifiers
                .iter()
                .find(|&&(s, e, _)| e == start && same(s) && same(e - 1));
            // A bare "key" in a record about cryptographic or storage keys is one of those,
            // whatever else it names ("kms:CreateKey ... arn:aws:iam::...").
            let crypto =
                !bare_ok && words[start].stem == "key" && t.hits.any(Concept::NotCredentialContext);
            let bare = named_act || self.bare_object(t, start, end);
            let only_qualified = list == Concept::CredentialQualified;
            if qualifier.is_none() && (only_qualified || crypto || (!context && !bare)) {
                continue;
            }
            found.push(Mention {
                start: qualifier.map_or(start, |&(s, _, _)| s),
                weak_at: start,
                end,
                strong: qualifier.is_some(),
                action: self.action_of(list, p),
            });
        }
        found.retain(|m| {
            let after = not.iter().find(|&&(s, e, _)| {
                let last = &words[m.end - 1];
                let names_it = words.get(e).is_some_and(|w| w.quoted && !words[s].quoted);
                s == m.end
                    && words[s].clause == last.clause
                    && words[s].aside == last.aside
                    && !names_it
            });
            if let Some(&(_, e, _)) = after {
                blocked.push((m.start, e));
            }
            after.is_none()
        });
        found.retain(|m| {
            let name = inside_a_name(m, t);
            if name {
                blocked.push((m.start, m.end));
                in_a_name = true;
            }
            !name
        });
        found.sort_by_key(|m| m.start);
        Mentions {
            found,
            blocked,
            in_a_name,
        }
    }

    /// A bare noun with no context word is still a credential when it is the direct object
    /// of a creation verb ("Error creating key: FORBIDDEN") and nothing in the record makes
    /// keys cryptographic or storage keys ("kms", "gpg", "cache").
    fn bare_object(&self, t: &Text, start: usize, end: usize) -> bool {
        let words = &t.words;
        if t.hits.any(Concept::NotCredentialContext) {
            return false;
        }
        let create = t.covered(Concept::Create);
        let filler = t.covered(Concept::Filler);
        let clause = words[start].clause;
        // "key creation denied", "refusing key request": the noun, then the act, refused in
        // so many words in its clause (crypto libraries' "key generation failed" is not).
        let refusal = t.hits.list(Concept::Refusal);
        let adjacent = t.covered(Concept::CreateAdjacent);
        // ("robot account creation for project x refused": the noun may be two words.)
        let generation = words
            .get(end)
            .is_some_and(|w| w.stem.starts_with("generat"));
        let request = adjacent.get(end + 1).copied().unwrap_or(false);
        let after = words.get(end).is_some_and(|w| w.clause == clause)
            && (create[end] || adjacent[end])
            && (!generation || request)
            && !words[start].joined
            && refusal
                .iter()
                .any(|&(s, _, _)| words[s].clause == clause && (s > end || s < start));
        // A separate verb: `CreateKey` is an API's name (KMS), not a sentence.
        let before = (0..start)
            .rev()
            .take_while(|&j| words[j].clause == clause)
            .find(|&j| !filler[j])
            .is_some_and(|j| create[j] && !words[j].joined && !words[start].joined);
        before || after
    }

    fn action_of(&self, concept: Concept, phrase: usize) -> Option<String> {
        self.phrase(Slot::List(concept), phrase)
            .and_then(|p| p.action.clone())
    }

    /// Whether a creation act has this credential as its object.
    fn is_created(&self, m: &Mention, t: &Text, create: &[bool]) -> bool {
        // A word that is credential and act at once (`regeneratekey`).
        (m.start..m.end).any(|i| create[i])
            || self.created_before(m, t, create)
            || self.created_after(m, t, create)
    }

    /// "failed to mint a new credential", "cannot create resource serviceaccounts/token":
    /// a creation word before it in the clause, with only fillers between and up to one
    /// other word (two for a qualified credential), none of them a stop word.
    fn created_before(&self, m: &Mention, t: &Text, create: &[bool]) -> bool {
        let words = &t.words;
        let clause = words[m.start].clause;
        let filler = t.covered(Concept::Filler);
        let stop = t.covered(Concept::Stop);
        let adjacent = t.covered(Concept::CreateAdjacent);
        let mut others = 0;
        for j in (0..m.start).rev() {
            if words[j].clause != clause {
                return false;
            }
            // "new API key" creates; "using new API key", "with a new token" use one ("to
            // sign a client certificate" is an act).
            let used =
                j > 0 && words[j - 1].clause == clause && stop[j - 1] && words[j - 1].stem != "to";
            if create[j] || (others == 0 && adjacent[j] && !used) {
                return true;
            }
            if filler[j] {
                continue;
            }
            // "mint a root token", "generate a production key": one word may describe a
            // bare noun, two a qualified one.
            let most = if m.strong { 2 } else { 1 };
            if stop[j] || others == most {
                return false;
            }
            others += 1;
        }
        false
    }

    /// "API key could not be created", "token generation", "TokenRequest", "key not
    /// created": a creation word right after it or after passive fillers; for a qualified
    /// credential also after whom it was for ("Access key for acme not issued").
    fn created_after(&self, m: &Mention, t: &Text, create: &[bool]) -> bool {
        let (words, n) = (&t.words, t.words.len());
        let clause = words[m.start].clause;
        let passive = t.covered(Concept::Passive);
        let adjacent = t.covered(Concept::CreateAdjacent);
        let mut j = m.end;
        // `DeployTokensController#create`, `ApiKeyService.create`: the rest of the
        // identifier that names the credential, then the act.
        let run = words[m.end - 1].run;
        let adjacent_at = t.covered(Concept::CreateAdjacent);
        while j < n && words[j].joined && words[j].run == run && !create[j] && !adjacent_at[j] {
            j += 1;
        }
        if m.strong
            && words
                .get(j)
                .is_some_and(|w| w.stem == "for" && w.clause == clause)
        {
            // "for <name>" or "for <kind> <name>" (a name is one identifier, `partner-acme`),
            // then the verb.
            let mut k = j + 1;
            let mut names = 0;
            while k < n && names < 2 && words[k].clause == clause && !passive[k] && !create[k] {
                let run = words[k].run;
                while k < n && words[k].run == run {
                    k += 1;
                }
                names += 1;
            }
            j = k;
        }
        let limit = n.min(j + 5);
        while j < limit {
            if words[j].clause != clause {
                return false;
            }
            if create[j] || (j == m.end && adjacent[j]) {
                return true;
            }
            if !passive[j] {
                return false;
            }
            j += 1;
        }
        false
    }

    /// "cannot create ...": a failure word right before a creation word reads as a refusal.
    fn cannot_create(&self, t: &Text, create: &[bool]) -> bool {
        t.hits
            .list(Concept::Failure)
            .iter()
            .filter(|&&(s, _, _)| t.words[s].stem == "cannot" || t.words[s].stem == "can")
            .any(|&(_, e, _)| create.get(e).copied().unwrap_or(false))
    }

    /// The highest-priority cause whose words occur (outside quotes, outside the name of
    /// the credential and outside phrases of failures that are no refusals: "unique
    /// constraint" is no policy) and whose `unless` words do not.
    fn cause(&self, t: &Text, named: &[bool], not_refusal: &[bool]) -> Option<(Cause, i64)> {
        let vetoed = self.vetoed(t);
        let evidence = |s: usize, e: usize| {
            unquoted(&t.words[s..s + 1])
                && unquoted(&t.words[e - 1..e])
                && !stray_number(&t.words, s, e)
                && (s..e).any(|i| !named[i])
                && (s..e).any(|i| !not_refusal[i])
        };
        let required_role = self.required_role(t, named);
        self.causes
            .iter()
            .map(|(cause, _)| *cause)
            .filter(|cause| !vetoed.contains(cause))
            .filter(|cause| {
                (*cause == Cause::InsufficientRole && required_role)
                    || t.hits
                        .of(Slot::CauseWords(*cause))
                        .any(|(s, e, _)| evidence(s, e))
            })
            .map(|cause| (cause, cause_priority(cause)))
            .max_by_key(|(_, priority)| *priority)
    }

    /// A role name stated as a requirement: a requirement word up to three words before it
    /// in its clause ("only organization owners", "must be an admin", "not a project
    /// admin"), or "required"/"only"/"needed" right after it ("Editor or Admin is required").
    /// Names (quoted, or inside an identifier such as `ops-admin`) are no requirement.
    fn required_role(&self, t: &Text, named: &[bool]) -> bool {
        let words = &t.words;
        let n = words.len();
        if !t.hits.any(Concept::Role) {
            return false;
        }
        let requirement = t.hits.list(Concept::RoleRequirement);
        let passive = t.covered(Concept::Passive);
        t.hits.list(Concept::Role).into_iter().any(|(s, e, _)| {
            let clause = words[s].clause;
            let name = words[s..e].iter().any(|w| w.quoted || w.joined) || named[s];
            let before = requirement
                .iter()
                .any(|&(rs, re, _)| re <= s && re + 3 >= s && words[rs].clause == clause);
            let after = (e..n.min(e + 3))
                .take_while(|&j| words[j].clause == clause)
                .find(|&j| !passive[j])
                .is_some_and(|j| {
                    requirement
                        .iter()
                        .any(|&(rs, _, _)| rs == j && words[j].stem != "not")
                });
            !name && (before || after)
        })
    }

    /// Causes whose `unless` words occur outside quotes.
    fn vetoed(&self, t: &Text) -> Vec<Cause> {
        self.causes
            .iter()
            .map(|(cause, _)| *cause)
            .filter(|cause| {
                t.hits
                    .of(Slot::CauseUnless(*cause))
                    .any(|(s, e, _)| unquoted(&t.words[s..e]))
            })
            .collect()
    }
}

/// "Too many personal access tokens for ann; creation refused": a clause that starts with a
/// bare creation word followed by nothing or by how it ended refers to the qualified
/// credential of one of the two clauses before it.
fn elliptic_creation<'m>(
    mentions: &'m [Mention],
    t: &Text,
    create: &[bool],
) -> Option<&'m Mention> {
    let words = &t.words;
    let n = words.len();
    if !mentions.iter().any(|m| m.strong) || !create.iter().any(|c| *c) {
        return None;
    }
    let ended = t.covered(Concept::Refusal);
    let failed = t.covered(Concept::Failure);
    let passive = t.covered(Concept::Passive);
    let filler = t.covered(Concept::Filler);
    let how_it_ended = |k: usize| ended[k] || failed[k] || passive[k];
    (0..n).find_map(|j| {
        let clause = words[j].clause;
        if !create[j] || words[j].aside {
            return None;
        }
        let first = (0..j)
            .rev()
            .take_while(|&i| words[i].clause == clause)
            .all(|i| filler[i]);
        let next = words.get(j + 1).filter(|w| w.clause == clause);
        let bare = next.is_none() || how_it_ended(j + 1);
        // "request to create one was declined", "delete one before generating another",
        // "... before generating a new one".
        let mut at = j + 1;
        while words
            .get(at)
            .is_some_and(|w| w.clause == clause && ARTICLES.contains(&w.stem.as_str()))
        {
            at += 1;
        }
        let pronoun = words
            .get(at)
            .is_some_and(|w| w.clause == clause && PRONOUNS.contains(&w.stem.as_str()))
            && words
                .get(at + 1)
                .filter(|w| w.clause == clause)
                .is_none_or(|_| how_it_ended(at + 1));
        if !(pronoun || (first && bare && clause > 0)) {
            return None;
        }
        mentions.iter().rev().find(|m| {
            let c = words[m.start].clause;
            let before = if pronoun { c <= clause } else { c < clause };
            m.strong && m.end <= j && before && c + 2 >= clause && !words[m.start].aside
        })
    })
}

/// Words that stand for a credential named before them ("create one", "generate another").
const PRONOUNS: [&str; 4] = ["one", "another", "it", "them"];

/// Words between the verb and such a pronoun ("generate a new one").
const ARTICLES: [&str; 4] = ["a", "an", "new", "fresh"];

/// Words inside parentheses that list or exemplify (several clauses, "or", "and", "e.g.", or
/// more than ten words) rather than name what was done: "(CreateAccessKey)",
/// "(gcloud.iam.service-accounts.keys.create)" and "(creating token)" name the act; "(API
/// keys, tokens or secrets)" does not.
fn listing_asides(t: &Text) -> Vec<bool> {
    const LISTING: [&str; 8] = ["or", "and", "eg", "e", "such", "like", "exampl", "includ"];
    let words = &t.words;
    let mut out = vec![false; words.len()];
    if !words.iter().any(|w| w.aside) {
        return out;
    }
    let mut i = 0;
    while i < words.len() {
        if !words[i].aside {
            i += 1;
            continue;
        }
        let start = i;
        while i < words.len() && words[i].aside {
            i += 1;
        }
        let run = &words[start..i];
        let listing = run.len() > 10
            || run.iter().any(|w| w.clause != run[0].clause)
            || run.iter().any(|w| LISTING.contains(&w.stem.as_str()));
        if listing {
            out[start..i].iter_mut().for_each(|x| *x = true);
        }
    }
    out
}

/// Creation words that are part of an identifier naming another act (`api_key.rotate.read`,
/// `token.create.preview`, `disableServiceAccountKeyCreation`) are no creation.
fn not_in_other_act(t: &Text, mut create: Vec<bool>) -> Vec<bool> {
    if !t.hits.any(Concept::NotCreate) {
        return create;
    }
    let other = t.covered(Concept::NotCreate);
    let words = &t.words;
    for j in 0..create.len() {
        if !create[j] || !words[j].joined {
            continue;
        }
        let run = words[j].run;
        let same_run = (0..words.len()).filter(|&k| words[k].run == run);
        if same_run.into_iter().any(|k| other[k]) {
            create[j] = false;
        }
    }
    create
}

/// "open /var/lib/app/keys/jwt.pem: permission denied": the operating system refused a file
/// operation (a refusal right after a file path), not a request.
fn file_error(words: &[Word], start: usize) -> bool {
    let mut at = start;
    if words[at].stem == "deni"
        && at > 0
        && matches!(words[at - 1].stem.as_str(), "permiss" | "access")
    {
        at -= 1;
    }
    let eacces = matches!(words[at].stem.as_str(), "permiss" | "access" | "deni");
    let path_before = at > 0 && words[at - 1].file && !words[at - 1].quoted;
    // Python's `PermissionError: [Errno 13] Permission denied: '/home/x/.aws/credentials'`.
    let end = (start..words.len()).find(|&i| {
        words[i].stem != "permiss" && words[i].stem != "deni" && words[i].stem != "access"
    });
    let path_after = end.is_some_and(|i| words[i].file && words[i].quoted);
    eacces && (path_before || path_after)
}

/// A credential named inside a longer identifier that names something else
/// (`acme-api-keys-archive`, a bucket): two or more words besides it (one before it in a
/// quoted name) and no act in it.
fn inside_a_name(m: &Mention, t: &Text) -> bool {
    let words = &t.words;
    let run = words[m.start].run;
    if !words[m.start].joined || words[m.end - 1].run != run {
        return false;
    }
    let n = words.len();
    let acts = [
        Concept::Create,
        Concept::CreateAdjacent,
        Concept::NotCreate,
        Concept::Refusal,
        Concept::Failure,
    ];
    let covered: Vec<Vec<bool>> = acts.iter().map(|c| t.covered(*c).into_owned()).collect();
    let in_run: Vec<usize> = (0..n).filter(|&k| words[k].run == run).collect();
    let others = in_run
        .iter()
        .filter(|&&k| k < m.start || k >= m.end)
        .count();
    let act = in_run.iter().any(|&k| covered.iter().any(|c| c[k]));
    // A quoted name that ends in the credential names that thing (the secret "db-creds"),
    // with one word before it.
    let ends_run = in_run.iter().all(|&k| k < m.end);
    let quoted_name = words[m.start].quoted && ends_run && others >= 1;
    (others >= 2 || quoted_name) && !act
}

/// Outside quotes and slash-separated names: quoted words ('billing-api') and paths
/// (`acme/payments-api`) are names, not causes.
fn unquoted(words: &[Word]) -> bool {
    words.iter().all(|w| !w.quoted && !w.path)
}

/// A lone number that is no HTTP status: part of an identifier (`ak_403`), or not beside a
/// status word ("403 ms", "/serviceaccounts/403/tokens"); "HTTP 403", "status 401", "403
/// Forbidden" and a message that starts with it are statuses.
fn stray_number(words: &[Word], start: usize, end: usize) -> bool {
    const BEFORE: [&str; 9] = [
        "http", "statu", "code", "error", "return", "got", "respons", "with", "receiv",
    ];
    const AFTER: [&str; 6] = [
        "forbidden",
        "unauthor",
        "unauthoris",
        "unauthoriz",
        "payment",
        "error",
    ];
    let word = &words[start];
    if end != start + 1 || !word.stem.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if word.joined {
        return true;
    }
    let before = start.checked_sub(1).and_then(|i| words.get(i));
    let before = before.filter(|w| w.clause == word.clause || w.path);
    let after = words.get(end).filter(|w| w.clause == word.clause);
    // "POST https://api.example.com/v2/keys: 401": a status right after the request.
    let status_before = before.is_some_and(|w| {
        BEFORE.iter().any(|b| w.stem.starts_with(b)) || (w.path && w.clause + 1 == word.clause)
    });
    let status_after = after.is_some_and(|w| AFTER.iter().any(|a| w.stem.starts_with(a)));
    !(start == 0 || status_before || status_after)
}
