//! Every parser on arbitrary records (the first byte picks the format), then extraction and
//! classification with the built-in rules: nothing panics, whatever the bytes.
#![no_main]

use std::sync::{Arc, LazyLock};

use chrono::Utc;
use keydeny::extract::{Context, Position, extract};
use keydeny::format::{InputFormat, Parsed};
use keydeny::rules::RuleSet;
use libfuzzer_sys::fuzz_target;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::load(&[] as &[&str]).expect("built-in rules"));

fuzz_target!(|data: &[u8]| {
    let Some((&selector, raw)) = data.split_first() else { return };
    let format = InputFormat::ALL[selector as usize % InputFormat::ALL.len()];
    let file: Arc<str> = Arc::from("fuzz");
    if let Parsed::Record(record) = format.parser().parse(raw) {
        let ctx = Context { rules: &RULES, now: Utc::now(), redact: true, near_misses: false };
        let at = Position { file: &file, format, line: 1, record: None, modified: None };
        let _ = extract(*record, &ctx, at);
    }
});
