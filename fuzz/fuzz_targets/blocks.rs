//! The block reader on arbitrary bytes, block sizes and caps: never panics, never loses or
//! invents a line (blocks plus oversized lines account for every line of the input).
#![no_main]

use keydeny::source::blocks::{BlockReader, Piece, count_lines};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let (params, bytes) = data.split_at(2);
    let block = usize::from(params[0]).max(1);
    let cap = usize::from(params[1]).max(1) * 4;
    let continues: fn(&[u8]) -> bool = |line| line.first() == Some(&b'P');
    let mut lines = 0u64;
    let mut reader = BlockReader::new(bytes, block, cap).with_continuation(Some(continues));
    for piece in &mut reader {
        match piece.expect("reading a slice cannot fail") {
            Piece::Block(b) => lines += b.line_count(),
            Piece::Oversized { .. } | Piece::Cut { .. } => lines += 1,
        }
    }
    assert_eq!(lines, reader.lines_read());
    assert!(lines <= count_lines(bytes) + 1);
});
