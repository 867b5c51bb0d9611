//! The JSON document splitter fed arbitrary bytes in arbitrary pieces: never panics, and every
//! record it yields stays under the cap.
#![no_main]

use keydeny::source::json_stream::{DocItem, JsonSplitter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&step, bytes)) = data.split_first() else { return };
    let cap = 256;
    let mut splitter = JsonSplitter::new(cap);
    let mut out = Vec::new();
    for piece in bytes.chunks(usize::from(step).max(1)) {
        splitter.feed(piece, &mut out);
    }
    splitter.finish(&mut out);
    for item in out {
        if let DocItem::Record { data, .. } = item {
            assert!(data.len() <= cap + 1, "record over the cap");
        }
    }
});
