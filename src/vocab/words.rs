//! Words of a log message, normalised: split at blanks and punctuation, and inside
//! identifiers at snake_case, kebab-case, dot.case and camelCase boundaries; lower-cased and
//! stemmed (plurals and verb forms), so `ServiceTokenCreate`, `service token created` and
//! `service_tokens.create` read alike. Clause boundaries (`: ; , . ! ?` before a blank) are
//! kept, because a credential is the object of a verb only within one clause.

/// One normalised word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The stem (`created` -> `creat`, `policies` -> `polici`).
    pub stem: String,
    /// Index of the clause the word is in (0-based).
    pub clause: u32,
    /// Split out of a longer identifier (`ak_403`, `apiKey`): not a stand-alone word.
    pub joined: bool,
    /// A `key=` of a key=value pair: a field name, not part of the sentence.
    pub field_name: bool,
    /// Inside quotes (`client 'billing-api'`): a name, not evidence for a cause.
    pub quoted: bool,
    /// Inside parentheses: an aside (a list of examples), not what the message reports.
    pub aside: bool,
    /// Part of a slash-separated name (`acme/payments-api`, `/var/lib/keys/api.pem`,
    /// `Overall/Administer`): a name, not evidence for a cause.
    pub path: bool,
    /// That name looks like a file's (`/var/lib/keys/api.pem`, `./creds.json`), not a
    /// repository's or a resource's (`acme/payments-api`).
    pub file: bool,
    /// Which identifier run the word came from (words of `disableServiceAccountKeyCreation`
    /// share one).
    pub run: u32,
}

/// Keys of `key=value` pairs whose values are words to read (reasons, outcomes, actions);
/// the values of other keys (`user=`, `client=`, `ip=`) are names and are left out.
const TEXT_KEYS: [&str; 36] = [
    "msg",
    "message",
    "error",
    "err",
    "reason",
    "why",
    "outcome",
    "result",
    "status",
    "action",
    "event",
    "operation",
    "op",
    "type",
    "code",
    "error_code",
    "errorcode",
    "detail",
    "details",
    "description",
    "cause",
    "errorreason",
    "errormessage",
    "error_message",
    "reason_code",
    "reasoncode",
    "decision",
    "verdict",
    "summary",
    "text",
    "rule",
    "statuscode",
    "fault",
    "violation",
    "violationreason",
    "hint",
];

/// Keys whose *name* says what a request lacked (`mfa=false`, `license=expired`,
/// `required_tier=business`, `access_level=guest`): read as words, name and all, when the
/// value says something is missing (or the key names a requirement). Other values of these
/// keys are enrichment (`plan=enterprise` on every line of a SaaS log) and say nothing.
const CAUSE_KEYS: [&str; 22] = [
    "mfa",
    "tfa",
    "2fa",
    "mfa_enabled",
    "mfa_verified",
    "mfa_present",
    "two_factor",
    "twofactor",
    "otp",
    "step_up",
    "plan",
    "tier",
    "plan_tier",
    "license",
    "licence",
    "license_state",
    "license_status",
    "subscription",
    "subscription_status",
    "billing",
    "role",
    "policy",
];

/// Keys that name a requirement (`required_role=admin`, `min_tier=pro`): read with their
/// value (as a name) whatever it is.
const REQUIREMENT_KEYS: [&str; 10] = [
    "required_role",
    "requiredrole",
    "required_tier",
    "required_plan",
    "requiredplan",
    "min_role",
    "min_tier",
    "min_plan",
    "access_level",
    "required_access_level",
];

/// Values that say something is missing or too low (`false`, `expired`, `free`, `guest`).
const LACKING_VALUES: [&str; 35] = [
    "false",
    "no",
    "off",
    "none",
    "null",
    "0",
    "disabled",
    "missing",
    "absent",
    "required",
    "expired",
    "unset",
    "not_set",
    "not_enrolled",
    "not_configured",
    "unverified",
    "inactive",
    "lapsed",
    "suspended",
    "cancelled",
    "canceled",
    "past_due",
    "free",
    "trial",
    "hobby",
    "starter",
    "basic",
    "community",
    "individual",
    "viewer",
    "guest",
    "reader",
    "read_only",
    "readonly",
    "auditor",
];

/// Whether a `key=value` pair says what a request lacked (`mfa=false`, `license=expired`,
/// `required_tier=business`, `policy=no-pats`). Its name is read as words and its value as
/// a name: the field names the cause, it never says by itself that anything failed.
pub fn cause_field(key: &str, value: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    let named = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(last));
    if named(&REQUIREMENT_KEYS) {
        return true;
    }
    if !named(&CAUSE_KEYS) {
        return false;
    }
    let value = value.trim().trim_matches(['"', '\'']);
    let lacking = LACKING_VALUES.iter().any(|v| {
        v.len() == value.len()
            && v.bytes().zip(value.bytes()).all(|(a, b)| {
                a == b.to_ascii_lowercase() || (a == b'_' && matches!(b, b'-' | b' '))
            })
    });
    lacking || (last.eq_ignore_ascii_case("policy") && !value.is_empty())
}

/// The words of `text`, in order.
pub fn words(text: &str) -> Vec<Word> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut clause = 0u32;
    // The open quote, and whether it encloses a name (not a field's value or a sentence).
    let mut quote: Option<(u8, bool)> = None;
    let mut depth = 0u32;
    let mut runs = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if is_word_byte(b) {
            let start = i;
            while i < bytes.len() && (is_word_byte(bytes[i]) || is_inner_joiner(bytes, i)) {
                i += 1;
            }
            let run = &text[start..i];
            // `10.4.0.0/16`: an address range, said as such (not a path's name).
            if let Some(end) = cidr_end(bytes, start) {
                let flags = Flags {
                    clause,
                    field_name: false,
                    quoted: false,
                    aside: depth > 0,
                    path: false,
                    file: false,
                    run: runs,
                };
                runs += 1;
                push_run("cidr", flags, &mut out);
                i = end;
                continue;
            }
            let slash = slash_token(bytes, start, i);
            let field_name = bytes.get(i) == Some(&b'=');
            let value_end = field_name.then(|| skip_value(bytes, i + 1));
            let said = value_end.is_some_and(|end| cause_field(run, &text[i + 1..end]));
            let field_name = field_name && !said;
            let flags = Flags {
                clause,
                field_name,
                quoted: quote.is_some_and(|(_, name)| name),
                aside: depth > 0,
                path: slash.is_some(),
                file: slash.is_some_and(looks_like_file),
                run: runs,
            };
            runs += 1;
            push_run(run, flags, &mut out);
            match value_end {
                Some(end) if field_name && !is_text_key(run) => i = end,
                Some(end) if said => {
                    runs = push_name(&text[i + 1..end], clause, runs, &mut out);
                    i = end;
                }
                _ => {}
            }
            continue;
        }
        let escaped = i > 0 && bytes[i - 1] == b'\\';
        match (quote, b) {
            (Some((q, _)), _) if b == q && !escaped => quote = None,
            (None, b'"' | b'\'' | b'`') if i == 0 || !is_word_byte(bytes[i - 1]) => {
                quote = Some((b, encloses_name(bytes, i)));
            }
            (None, b'(') => depth += 1,
            (None, b')') => depth = depth.saturating_sub(1),
            _ => {}
        }
        if ends_clause(bytes, i) {
            clause += 1;
        }
        i += 1;
    }
    out
}

/// Whether the quote opening at `i` encloses a name (`client 'billing-api'`, `cannot
/// "create"`): not a field's value (`error="..."`, `"reason":"..."`) and at most three words.
fn encloses_name(bytes: &[u8], i: usize) -> bool {
    let q = bytes[i];
    if i > 0 && matches!(bytes[i - 1], b'=' | b':') {
        return false;
    }
    let mut words = 0;
    let mut in_word = false;
    for (j, &b) in bytes.iter().enumerate().skip(i + 1) {
        if b == q && bytes[j - 1] != b'\\' {
            return true;
        }
        let word = !b.is_ascii_whitespace();
        if word && !in_word {
            words += 1;
            if words > 3 {
                return false;
            }
        }
        in_word = word;
    }
    true
}

/// The slash-separated token (`acme/api`, `/var/x`) the run `start..end` is part of.
fn slash_token(bytes: &[u8], start: usize, end: usize) -> Option<&[u8]> {
    let mut a = start;
    while a > 0
        && !bytes[a - 1].is_ascii_whitespace()
        && !matches!(bytes[a - 1], b'"' | b'\'' | b'(' | b'=' | b'[')
    {
        a -= 1;
    }
    let mut b = end;
    while b < bytes.len()
        && !bytes[b].is_ascii_whitespace()
        && !matches!(bytes[b], b'"' | b'\'' | b')' | b',' | b']')
    {
        b += 1;
    }
    let token = &bytes[a..b];
    let token = token.strip_suffix(b":").unwrap_or(token);
    token
        .windows(2)
        .any(|w| w[0] == b'/' && is_word_byte(w[1]))
        .then_some(token)
}

/// An absolute or relative file path, or a name with an extension (`keys/api.pem`).
fn looks_like_file(token: &[u8]) -> bool {
    let rooted = [&b"/"[..], b"~/", b"./", b"../"]
        .iter()
        .any(|p| token.starts_with(p));
    let last = token.rsplit(|&b| b == b'/').next().unwrap_or(token);
    let extension = last.iter().rposition(|&b| b == b'.').is_some_and(|dot| {
        dot > 0 && dot + 1 < last.len() && last[dot + 1..].iter().all(u8::is_ascii_alphanumeric)
    });
    rooted || extension
}

/// The end of an IPv4 address range in CIDR notation (`10.4.0.0/16`) starting at `start`.
fn cidr_end(bytes: &[u8], start: usize) -> Option<usize> {
    let digits = |at: usize| {
        bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut at = start;
    for part in 0..4 {
        let n = digits(at);
        if n == 0 || n > 3 {
            return None;
        }
        at += n;
        let sep = if part == 3 { b'/' } else { b'.' };
        if bytes.get(at) != Some(&sep) {
            return None;
        }
        at += 1;
    }
    let n = digits(at);
    (1..=2).contains(&n).then_some(at + n)
}

fn is_text_key(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key).to_ascii_lowercase();
    TEXT_KEYS.contains(&last.as_str()) || key.eq_ignore_ascii_case("event.action")
}

/// The end of a `key=` value starting at `i`: a quoted string, or up to the next blank.
fn skip_value(bytes: &[u8], i: usize) -> usize {
    match bytes.get(i) {
        Some(&q @ (b'"' | b'\'')) => {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != q {
                j += 1 + usize::from(bytes[j] == b'\\');
            }
            (j + 1).min(bytes.len())
        }
        _ => {
            let mut j = i;
            while j < bytes.len()
                && !bytes[j].is_ascii_whitespace()
                && !matches!(bytes[j], b',' | b')' | b']' | b'}' | b';')
            {
                j += 1;
            }
            j
        }
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// `_`, `-`, `.`, `'` between two word bytes join one identifier (split later into words;
/// `can't` -> can, t).
fn is_inner_joiner(bytes: &[u8], i: usize) -> bool {
    matches!(bytes[i], b'_' | b'-' | b'.' | b'\'')
        && i > 0
        && is_word_byte(bytes[i - 1])
        && bytes.get(i + 1).is_some_and(|&n| is_word_byte(n))
}

/// Punctuation that ends a clause: `: ; , . ! ?` followed by a blank or the end, a newline,
/// or ` - ` / ` | ` between blanks.
fn ends_clause(bytes: &[u8], i: usize) -> bool {
    let next_blank = bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace());
    match bytes[i] {
        b':' | b';' | b',' | b'.' | b'!' | b'?' => next_blank,
        b'\n' => true,
        b'-' | b'|' => next_blank && i > 0 && bytes[i - 1].is_ascii_whitespace(),
        _ => false,
    }
}

/// The words of a field's value pushed as a name (quoted, in `clause`); the next run id.
fn push_name(value: &str, clause: u32, runs: u32, out: &mut Vec<Word>) -> u32 {
    let before = out.len();
    for mut word in words(value.trim_matches(['"', '\''])) {
        (word.clause, word.quoted, word.run) = (clause, true, runs + word.run);
        out.push(word);
    }
    out[before..]
        .iter()
        .map(|w| w.run + 1)
        .max()
        .unwrap_or(runs)
}

/// Split one identifier run into words and push them.
/// What every word of one identifier run shares.
#[derive(Clone, Copy)]
struct Flags {
    clause: u32,
    field_name: bool,
    quoted: bool,
    aside: bool,
    path: bool,
    file: bool,
    run: u32,
}

fn push_run(run: &str, flags: Flags, out: &mut Vec<Word>) {
    let mut parts: Vec<String> = Vec::new();
    for piece in run.split(['_', '-', '.', '\'']) {
        split_camel(piece, &mut parts);
    }
    let joined = parts.len() > 1;
    for part in parts {
        let stem = stem(&part);
        if !stem.is_empty() {
            out.push(Word {
                stem,
                clause: flags.clause,
                joined,
                field_name: flags.field_name,
                quoted: flags.quoted,
                aside: flags.aside,
                path: flags.path,
                file: flags.file,
                run: flags.run,
            });
        }
    }
}

/// `ServiceTokenCreate` -> service, token, create; `APIKey` -> api, key; `HTTP403` -> http,
/// 403; `2fa` stays whole.
fn split_camel(piece: &str, parts: &mut Vec<String>) {
    let chars: Vec<char> = piece.chars().collect();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            None => false,
            Some(p) => {
                (p.is_lowercase() && c.is_uppercase())
                    || (p.is_uppercase()
                        && c.is_uppercase()
                        && next.is_some_and(char::is_lowercase)
                        && current.len() > 1)
                    || (p.is_alphabetic()
                        && c.is_ascii_digit()
                        && !current_is_short_digit(&current))
                    || (p.is_ascii_digit() && c.is_alphabetic() && current.len() > 2)
            }
        };
        if boundary && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        parts.push(current);
    }
}

fn current_is_short_digit(current: &str) -> bool {
    current.len() <= 1 && current.chars().all(|c| c.is_ascii_digit())
}

/// A light suffix stemmer shared by the vocabulary and the text. The stem is always a prefix
/// of the word except that a final `i` may stand for a `y` (`deny`, `denied` -> `deni`), which
/// [`literals_of_stem`] relies on.
pub fn stem(word: &str) -> String {
    let mut w = word.to_lowercase();
    if w.len() <= 3 || !w.is_ascii() {
        return w;
    }
    strip_inflection(&mut w);
    for suffix in ["ion", "ance", "ment"] {
        if w.len() > suffix.len() + 3 && w.ends_with(suffix) {
            w.truncate(w.len() - suffix.len());
            break;
        }
    }
    if w.len() > 3 && w.ends_with('e') {
        w.pop();
    }
    if w.len() > 3 && w.ends_with('y') {
        w.pop();
        w.push('i');
    }
    w
}

/// (`-eed` is no past tense: "exceed" keeps its stem, apart from `exc_info`'s.)
fn strip_inflection(w: &mut String) {
    let n = w.len();
    if (w.ends_with("ies") || w.ends_with("ied")) && n > 4 {
        w.truncate(n - 3);
        w.push('y');
    } else if w.ends_with("sses") {
        w.truncate(n - 2);
    } else if w.ends_with("ing") && n > 5 {
        w.truncate(n - 3);
    } else if (w.ends_with("ed") && !w.ends_with("eed") && n > 4)
        || ["ses", "xes", "zes", "ches", "shes"]
            .iter()
            .any(|s| w.ends_with(s))
    {
        w.truncate(n - 2);
    } else if w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        w.truncate(n - 1);
    }
}

/// Substrings one of which every word with this stem contains (ASCII case-insensitively):
/// the stem itself, and for a final `i` also the spelling with `y`.
pub fn literals_of_stem(stem: &str) -> Vec<String> {
    let Some(base) = stem.strip_suffix('i') else {
        return vec![stem.to_string()];
    };
    // After a vowel the `y` stays in every form ("keys", "keyed"): only that spelling.
    if base.ends_with(['a', 'e', 'o', 'u']) {
        return vec![format!("{base}y")];
    }
    vec![stem.to_string(), format!("{base}y")]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.stem).collect()
    }

    #[test]
    fn address_ranges_and_fields_that_say_what_was_lacking() {
        assert_eq!(
            stems("admin API restricted to 10.4.0.0/16 only"),
            ["admin", "api", "restrict", "to", "cidr", "onli"]
        );
        // `mfa=false` is said; `mfa=true` and `plan=enterprise` are enrichment; a policy's
        // name is a name.
        let w = words("denied user=bob mfa=false mfa_enabled=true plan=enterprise policy=no-pats");
        let said: Vec<(&str, bool)> = w
            .iter()
            .filter(|w| !w.field_name)
            .map(|w| (w.stem.as_str(), w.quoted))
            .collect();
        assert_eq!(
            said,
            [
                ("deni", false),
                ("mfa", false),
                ("fals", true),
                ("polici", false),
                ("no", true),
                ("pat", true)
            ]
        );
        assert!(cause_field("required_tier", "business"));
        assert!(cause_field("license_state", "\"EXPIRED\""));
        assert!(!cause_field("plan", "pro"));
    }

    #[test]
    fn identifiers_split_like_words() {
        let cases: [(&str, &[&str]); 10] = [
            ("ServiceTokenCreate", &["servic", "token", "creat"]),
            (
                "limits exceeded exc_info",
                &["limit", "exceed", "exc", "info"],
            ),
            (
                "deploy_token.create.rejected",
                &["deploi", "token", "creat", "reject"],
            ),
            ("mint-credential", &["mint", "credential"]),
            ("APIKey creation", &["api", "key", "creat"]),
            ("KEYS_CAP_HIT", &["key", "cap", "hit"]),
            ("2FA not enrolled", &["2fa", "not", "enroll"]),
            ("can't issue tokens", &["can", "t", "issu", "token"]),
            ("HTTP403 denied", &["http", "403", "deni"]),
            ("policies denies", &["polici", "deni"]),
        ];
        for (text, want) in cases {
            assert_eq!(stems(text), want, "{text}");
        }
    }

    #[test]
    fn verb_forms_share_a_stem() {
        for group in [
            &["create", "creates", "created", "creating", "creation"][..],
            &["issue", "issued", "issuing", "issuance", "issues"],
            &["generate", "generated", "generating", "generation"],
            &["deny", "denied", "denies"],
            &["key", "keys"],
            &["provision", "provisioned", "provisioning"],
            &["mint", "minted", "minting"],
        ] {
            let stems: Vec<String> = group.iter().map(|w| stem(w)).collect();
            assert!(stems.iter().all(|s| *s == stems[0]), "{group:?}: {stems:?}");
            for word in group {
                let lits = literals_of_stem(&stems[0]);
                assert!(
                    lits.iter().any(|l| word.contains(l.as_str())),
                    "{word}: {lits:?}"
                );
            }
        }
    }

    #[test]
    fn clauses_and_field_names() {
        let w = words("Failed to create pods: no token, retry user=bob");
        let clause_of = |s: &str| w.iter().find(|x| x.stem == s).map(|x| x.clause);
        assert_eq!(clause_of("pod"), Some(0));
        assert_eq!(clause_of("token"), Some(1));
        assert_eq!(clause_of("retri"), Some(2));
        assert!(w.iter().any(|x| x.stem == "user" && x.field_name));
        assert!(
            !w.iter().any(|x| x.stem == "bob"),
            "values of name fields are left out"
        );
        let w = words("reason=PLAN_TIER x for client 'billing-api'");
        assert!(w.iter().any(|x| x.stem == "plan" && !x.quoted));
        assert!(w.iter().any(|x| x.stem == "bill" && x.quoted));
        assert!(words("ak_403").iter().all(|x| x.joined));
    }
}
