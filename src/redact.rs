//! Masking credentials in text that leaves keydeny: AWS key ids, tokens, JWTs, bearer
//! values, `password=`-style pairs and credentials in URLs. The last four characters are
//! kept so an auditor can still match a key id.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

static SECRETS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?x)
        \b(?:AKIA|ASIA)[A-Z0-9]{16}\b                               # AWS access key ids
      | \beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}  # JWT
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

/// `text` with every credential-looking value masked to `****` plus its last four characters.
pub fn redact(text: &str) -> Cow<'_, str> {
    let masked = SECRETS.replace_all(text, |c: &Captures| mask(&c[0]));
    match ASSIGNED.replace_all(&masked, |c: &Captures| masked_assignment(c)) {
        Cow::Borrowed(_) => masked,
        Cow::Owned(s) => Cow::Owned(s),
    }
}

fn masked_assignment(c: &Captures) -> String {
    if let (Some(key), Some(value)) = (c.name("key"), c.name("value")) {
        return format!("{}{}", key.as_str(), mask(value.as_str()));
    }
    if let (Some(scheme), Some(credential)) = (c.name("scheme"), c.name("credential")) {
        return format!("{}{}", scheme.as_str(), mask(credential.as_str()));
    }
    match (c.name("userinfo"), c.name("password")) {
        (Some(user), Some(_)) => format!("{}****@", user.as_str()),
        _ => c[0].to_string(),
    }
}

fn mask(secret: &str) -> String {
    if secret.starts_with("****") {
        return secret.to_string();
    }
    let chars: Vec<char> = secret.chars().collect();
    let keep = if chars.len() > 8 { 4 } else { 0 };
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_keeping_last_four() {
        let cases = [
            ("key AKIAIOSFODNN7EXAMPLE used", "key ****MPLE used"),
            ("password=hunter2secret x", "password=****cret x"),
            (
                "Authorization: Bearer abcdefghijklmnop",
                "Authorization: Bearer ****mnop",
            ),
            (
                "https://bob:s3cr3tpass@example.com/x",
                "https://bob:****@example.com/x",
            ),
            (
                "tok ghp_abcdefghijklmnopqrstuvwxyz0123 end",
                "tok ****0123 end",
            ),
            ("glpat-abcdefghijklmnopqrst", "****qrst"),
            (
                "api_key: \"sk_live_abcdefghijklmnop1234\"",
                "api_key: \"****1234\"",
            ),
            ("nothing to hide here", "nothing to hide here"),
            (
                "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "aws_secret_access_key=****EKEY",
            ),
            (
                r#""SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY""#,
                r#""SecretAccessKey":"****EKEY""#,
            ),
            (
                "tok FwoGZXIvYXdzEJr//////////wEaDEXAMPLEEXAMPLEEXAMPLEEXAMPLE1234 x",
                "tok ****1234 x",
            ),
            (
                r#""private_key_id": "0123456789abcdef0123456789abcdef01234567""#,
                r#""private_key_id": "****4567""#,
            ),
            (
                "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBg-----END PRIVATE KEY-----",
                "****----",
            ),
            (
                "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "jwt ****sR8U",
            ),
            (
                "Authorization: Basic dXNlcjpwYXNzd29yZA==",
                "Authorization: Basic ****ZA==",
            ),
            ("slack xoxb-123456789012-abcdefghijkl", "slack ****ijkl"),
            ("rk_live_abcdefghijklmnop5678", "****5678"),
            (
                "github_pat_11ABCDEFG0abcdefghijklmnopqrstuvwxyz",
                "****wxyz",
            ),
            (
                "Failed to create token: subscription expired",
                "Failed to create token: subscription expired",
            ),
            (r#"{"token":"abcdefghijkl"}"#, r#"{"token":"****ijkl"}"#),
            ("token:abcdefghijkl", "token:****ijkl"),
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
