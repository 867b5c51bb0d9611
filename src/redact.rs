//! Masking credentials in text that leaves keydeny: AWS key ids, tokens, JWTs, bearer
//! values, `password=`-style pairs and credentials in URLs. A secret (password, secret key,
//! token, private key) is masked whole: even a few characters of it help a guesser. An
//! identifier meant to be recognised (an AWS access key id, a private key's id) keeps its
//! last four characters so an auditor can still match it.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// Identifiers of credentials: shown as `****` and their last four characters.
static IDENTIFIERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b").expect("built-in key id pattern")
});

/// Credentials themselves: shown as `****`.
static SECRETS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?x)
        \beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}  # JWT
      | \b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}                  # GitHub tokens
      | \bgithub_pat_[A-Za-z0-9_]{20,}
      | \bglpat-[A-Za-z0-9_-]{16,}                                  # GitLab
      | \bxox[abposr]-[A-Za-z0-9-]{10,}                             # Slack
      | \b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}               # Stripe
      | \b(?:FwoGZXIvYXdz|IQoJb3JpZ2lu)[A-Za-z0-9/+=]{40,}            # AWS STS session tokens
      | -----BEGIN[A-Z\ ]*PRIVATE\ KEY-----[^-]*(?:-----END[A-Z\ ]*PRIVATE\ KEY-----)?
    "#,
    )
    .expect("built-in secret pattern")
});

static ASSIGNED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?xi)
        (?P<key>\b(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?token|refresh[_-]?token|auth[_-]?token|secret[_-]?access[_-]?key|aws[_-]secret[_-]access[_-]key|aws[_-]session[_-]token|client[_-]?secret|session[_-]?token|private[_-]?key[_-]?id|private[_-]?key)
            (?:\s*=\s*["']?|["']\s*:\s*["']|:))
        (?P<value>[^\s"'&,;]{4,})
      | (?P<scheme>\b(?:bearer|basic)\s+)(?P<credential>[A-Za-z0-9._~+/=-]{8,})
      | (?P<userinfo>://[^/\s:@]+:)(?P<password>[^/\s@]+)@
    "#,
    )
    .expect("built-in assignment pattern")
});

/// `text` with every credential masked: secrets to `****`, key ids to `****` plus their last
/// four characters.
pub fn redact(text: &str) -> Cow<'_, str> {
    let ids = IDENTIFIERS.replace_all(text, |c: &Captures| mask_id(&c[0]));
    let secrets = match SECRETS.replace_all(&ids, |c: &Captures| mask(&c[0])) {
        Cow::Borrowed(_) => None,
        Cow::Owned(s) => Some(s),
    };
    let masked = secrets.map_or(ids, Cow::Owned);
    match ASSIGNED.replace_all(&masked, |c: &Captures| masked_assignment(c)) {
        Cow::Borrowed(_) => masked,
        Cow::Owned(s) => Cow::Owned(s),
    }
}

fn masked_assignment(c: &Captures) -> String {
    if let (Some(key), Some(value)) = (c.name("key"), c.name("value")) {
        let name = key.as_str().to_ascii_lowercase();
        let is_id = name.contains("key_id") || name.contains("key-id");
        let value = if is_id {
            mask_id(value.as_str())
        } else {
            mask(value.as_str())
        };
        return format!("{}{value}", key.as_str());
    }
    if let (Some(scheme), Some(credential)) = (c.name("scheme"), c.name("credential")) {
        return format!("{}{}", scheme.as_str(), mask(credential.as_str()));
    }
    match (c.name("userinfo"), c.name("password")) {
        (Some(user), Some(_)) => format!("{}****@", user.as_str()),
        _ => c[0].to_string(),
    }
}

/// A secret: nothing of it is shown.
fn mask(secret: &str) -> String {
    if secret.starts_with("****") {
        return secret.to_string();
    }
    "****".to_string()
}

/// An identifier: its last four characters stay (when it is long enough to spare them).
fn mask_id(id: &str) -> String {
    if id.starts_with("****") {
        return id.to_string();
    }
    let chars: Vec<char> = id.chars().collect();
    let keep = if chars.len() > 8 { 4 } else { 0 };
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_whole_and_key_ids_keep_last_four() {
        let cases = [
            ("key AKIAIOSFODNN7EXAMPLE used", "key ****MPLE used"),
            ("password=hunter2secret x", "password=**** x"),
            ("password=Winter2024Master x", "password=**** x"),
            (
                "access_key_id=AKIAIOSFODNN7EXAMPLE",
                "access_key_id=****MPLE",
            ),
            (
                "Authorization: Bearer abcdefghijklmnop",
                "Authorization: Bearer ****",
            ),
            (
                "https://bob:s3cr3tpass@example.com/x",
                "https://bob:****@example.com/x",
            ),
            ("tok ghp_abcdefghijklmnopqrstuvwxyz0123 end", "tok **** end"),
            ("glpat-abcdefghijklmnopqrst", "****"),
            (
                "api_key: \"sk_live_abcdefghijklmnop1234\"",
                "api_key: \"****\"",
            ),
            ("nothing to hide here", "nothing to hide here"),
            (
                "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "aws_secret_access_key=****",
            ),
            (
                r#""SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY""#,
                r#""SecretAccessKey":"****""#,
            ),
            (
                "tok FwoGZXIvYXdzEJr//////////wEaDEXAMPLEEXAMPLEEXAMPLEEXAMPLE1234 x",
                "tok **** x",
            ),
            (
                r#""private_key_id": "0123456789abcdef0123456789abcdef01234567""#,
                r#""private_key_id": "****4567""#,
            ),
            (
                "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBg-----END PRIVATE KEY-----",
                "****",
            ),
            (
                "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "jwt ****",
            ),
            (
                "Authorization: Basic dXNlcjpwYXNzd29yZA==",
                "Authorization: Basic ****",
            ),
            ("slack xoxb-123456789012-abcdefghijkl", "slack ****"),
            ("rk_live_abcdefghijklmnop5678", "****"),
            ("github_pat_11ABCDEFG0abcdefghijklmnopqrstuvwxyz", "****"),
            (
                "Failed to create token: subscription expired",
                "Failed to create token: subscription expired",
            ),
            (r#"{"token":"abcdefghijkl"}"#, r#"{"token":"****"}"#),
            ("token:abcdefghijkl", "token:****"),
            (
                "user arn:aws:iam::123456789012:user/bob",
                "user arn:aws:iam::123456789012:user/bob",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected, "input {input:?}");
        }
    }
}
