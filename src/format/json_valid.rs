//! Whether a record is valid JSON, at memory speed: the check every JSON record the
//! prefilter skips still needs (a record that is not valid JSON is malformed, with or
//! without the prefilter). It accepts exactly what `serde_json::from_slice::<IgnoredAny>`
//! accepts (one value between optional whitespace; strings of any bytes but `"`, `\` and
//! control characters, with the JSON escapes; no depth limit), so serde is only asked for
//! its message when a record is not.

/// Whether `raw` is one JSON value, optionally surrounded by whitespace.
pub fn is_valid(raw: &[u8]) -> bool {
    check(raw).is_some()
}

fn check(raw: &[u8]) -> Option<()> {
    // The open containers: `{` or `[`.
    let mut stack: Vec<u8> = Vec::new();
    let mut at = skip_space(raw, 0);
    'value: loop {
        // `at` is where a value starts.
        at = match *raw.get(at)? {
            open @ (b'{' | b'[') => {
                let inner = skip_space(raw, at + 1);
                let close = if open == b'{' { b'}' } else { b']' };
                if raw.get(inner) == Some(&close) {
                    inner + 1
                } else {
                    stack.push(open);
                    at = if open == b'{' {
                        key(raw, inner)?
                    } else {
                        inner
                    };
                    continue 'value;
                }
            }
            b'"' => string_end(raw, at + 1)?,
            b't' => literal(raw, at, b"true")?,
            b'f' => literal(raw, at, b"false")?,
            b'n' => literal(raw, at, b"null")?,
            b'-' | b'0'..=b'9' => number(raw, at)?,
            _ => return None,
        };
        // A value ended: a comma and the next value, or the ends of containers.
        loop {
            at = skip_space(raw, at);
            let Some(&open) = stack.last() else {
                return (at == raw.len()).then_some(());
            };
            match (*raw.get(at)?, open) {
                (b',', b'{') => at = key(raw, skip_space(raw, at + 1))?,
                (b',', _) => at = skip_space(raw, at + 1),
                (b'}', b'{') | (b']', b'[') => {
                    stack.pop();
                    at += 1;
                    continue;
                }
                _ => return None,
            }
            continue 'value;
        }
    }
}

/// An object key and its colon, from `at`: where its value starts.
fn key(raw: &[u8], at: usize) -> Option<usize> {
    if raw.get(at) != Some(&b'"') {
        return None;
    }
    let end = skip_space(raw, string_end(raw, at + 1)?);
    (raw.get(end) == Some(&b':')).then(|| skip_space(raw, end + 1))
}

/// Past the string whose content starts at `at` (after its opening quote). JSON strings in
/// logs are short, so a byte loop over a table beats a vectorised search's set-up.
fn string_end(raw: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let rest = raw.get(at..)?;
        let stop = rest.iter().position(|&b| STOPS_STRING[usize::from(b)])?;
        at += stop;
        match raw[at] {
            b'"' => return Some(at + 1),
            b'\\' => at = escape_end(raw, at + 1)?,
            _ => return None,
        }
    }
}

/// The bytes a string's plain run ends at: its quote, an escape, a control character.
static STOPS_STRING: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Past the escape whose letter is at `at`.
fn escape_end(raw: &[u8], at: usize) -> Option<usize> {
    match raw.get(at)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(at + 1),
        b'u' => {
            let hex = raw.get(at + 1..at + 5)?;
            hex.iter().all(u8::is_ascii_hexdigit).then_some(at + 5)
        }
        _ => None,
    }
}

/// Past `word` at `at`.
fn literal(raw: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    (raw.get(at..at + word.len())? == word).then_some(at + word.len())
}

/// Past the number at `at` (JSON's grammar).
fn number(raw: &[u8], mut at: usize) -> Option<usize> {
    let digits = |raw: &[u8], at: usize| {
        at + raw
            .get(at..)
            .map_or(0, |r| r.iter().take_while(|b| b.is_ascii_digit()).count())
    };
    if raw.get(at) == Some(&b'-') {
        at += 1;
    }
    match raw.get(at) {
        Some(b'0') => at += 1,
        Some(b'1'..=b'9') => at = digits(raw, at),
        _ => return None,
    }
    if raw.get(at) == Some(&b'.') {
        let end = digits(raw, at + 1);
        if end == at + 1 {
            return None;
        }
        at = end;
    }
    if matches!(raw.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(raw.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let end = digits(raw, at);
        if end == at {
            return None;
        }
        at = end;
    }
    Some(at)
}

/// Past JSON whitespace from `at`.
fn skip_space(raw: &[u8], mut at: usize) -> usize {
    while matches!(raw.get(at), Some(b' ' | b'\n' | b'\t' | b'\r')) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::is_valid;
    use proptest::prelude::*;

    fn serde_says(raw: &[u8]) -> bool {
        serde_json::from_slice::<serde::de::IgnoredAny>(raw).is_ok()
    }

    #[test]
    fn agrees_with_serde_on_edge_cases() {
        let cases: &[&str] = &[
            "{}",
            "[]",
            "{ }",
            " [ ] ",
            "{\"a\":1}",
            "{\"a\" : [1, 2.5, -0, 1e5, 1E+2, 2e-3]}",
            "{\"a\":{\"b\":[{}, [], \"x\"]}}",
            "\"s\"",
            "1",
            "-",
            "01",
            "1.",
            ".5",
            "1e",
            "1e+",
            "-a",
            "{\"a\":}",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "[1,]",
            "[1 2]",
            "{1:2}",
            "{\"a\":1",
            "[",
            "]",
            "}",
            "{\"a\":1}}",
            "{\"a\":1} x",
            "{\"a\":1}\n",
            "\t{\"a\":1}\r\n",
            "{\"a\":\"\\u00e9\\n\\\"\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\u12\"}",
            "{\"a\":\"\\u12G4\"}",
            "{\"a\":\"tab\there\"}",
            "{\"a\":tru}",
            "{\"a\":true,\"b\":false,\"c\":null}",
            "{\"a\":nulll}",
            "[[[[[]]]]]",
            "[[[[[]]]]",
            "{\"é\":\"ü\"}",
            "",
            " ",
            "{\"a\":\"\\",
            "{\"a\":\"x",
            "[\"a\",{\"b\":[1,{\"c\":\"}\"}]}]",
            "[-]",
            "[-1.5e10]",
            "{,}",
            "[,]",
            "{\"a\":1,\"b\"}",
            "{\"a\"}",
            "{\"a\":[}",
            "nul",
            "true false",
        ];
        for case in cases {
            assert_eq!(
                is_valid(case.as_bytes()),
                serde_says(case.as_bytes()),
                "{case:?}"
            );
        }
        assert!(!is_valid(b"{\"a\":\"\x01\"}") && !serde_says(b"{\"a\":\"\x01\"}"));
        assert!(is_valid(b"{\"a\":\"\xff\xfe\"}") && serde_says(b"{\"a\":\"\xff\xfe\"}"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// Random bytes from JSON's alphabet: valid exactly when serde says so.
        #[test]
        fn agrees_with_serde_on_json_alphabet(raw in proptest::collection::vec(
            proptest::sample::select(b"{}[]\",: \t\n01-.eE+9atrufsenl\\u/x\x01\xc3".to_vec()), 0..40)) {
            prop_assert_eq!(is_valid(&raw), serde_says(&raw));
        }

        /// Real records cut and mutated at one byte.
        #[test]
        fn agrees_with_serde_on_mutated_records(cut in 0usize..200, at in 0usize..200, byte in any::<u8>()) {
            let record = br#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"},"eventName":"CreateAccessKey","errorCode":"AccessDenied","n":[1,-2.5e3,true,null,{"k":"\u00e9\"x"}]}"#;
            let mut raw = record[..cut.min(record.len())].to_vec();
            if !raw.is_empty() {
                let at = at % raw.len();
                raw[at] = byte;
            }
            prop_assert_eq!(is_valid(&raw), serde_says(&raw));
            prop_assert_eq!(is_valid(record), true);
        }
    }
}
