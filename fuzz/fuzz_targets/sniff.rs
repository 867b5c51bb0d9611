//! The sniffer on arbitrary bytes: format and framing decisions never panic.
#![no_main]

use keydeny::format::sniff::{Sample, framing, sniff_format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let sample = Sample::new(data);
    let _ = sniff_format(&sample);
    let _ = framing(&sample);
});
