//! Telling a file that is not a log at all (an executable, an image, an archive, UTF-16
//! text) from a text log with a few bad bytes. Only the first is skipped, with a message
//! that says what it is; a log damaged by a crash (a run of NUL bytes) is read, its broken
//! lines counted as malformed.

/// What the start of a stream says it is, when that is not a text log: a phrase for
/// "skipped: ...".
pub fn kind(sample: &[u8]) -> Option<String> {
    if let Some(what) = magic(sample) {
        return Some(format!("{what}, not a log"));
    }
    if let Some(encoding) = utf16(sample) {
        return Some(format!(
            "{encoding} text; convert it to UTF-8 first (iconv -f {encoding} -t UTF-8)"
        ));
    }
    mostly_binary(sample).then(|| "binary data (mostly non-text bytes), not a log".to_string())
}

/// Known file signatures (the formats of `file(1)` a log directory most often holds).
fn magic(sample: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x7fELF", "an ELF executable or library"),
        (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
        (b"\xfe\xed\xfa\xcf", "a Mach-O executable"),
        (
            b"\xca\xfe\xba\xbe",
            "a Java class file or Mach-O universal binary",
        ),
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"%PDF-", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive (unzip it first)"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (extract it first)"),
        (
            b"\xfd7zXZ\x00",
            "xz-compressed data (not supported: decompress it with xz -d)",
        ),
        (
            b"BZh",
            "bzip2-compressed data (not supported: decompress it with bunzip2)",
        ),
        (
            b"\x04\x22\x4d\x18",
            "LZ4-compressed data (not supported: decompress it with lz4 -d)",
        ),
        (b"SQLite format 3\x00", "an SQLite database"),
        (b"\x00asm", "a WebAssembly module"),
    ];
    if let Some((_, what)) = SIGNATURES.iter().find(|(sig, _)| sample.starts_with(sig)) {
        return Some(what);
    }
    if sample.starts_with(b"MZ") && sample.iter().take(64).any(|&b| b == 0) {
        return Some("a Windows executable");
    }
    if sample.get(257..262) == Some(b"ustar") {
        return Some("a tar archive (extract it first)");
    }
    None
}

/// UTF-16 text: a byte-order mark, or ASCII with every other byte NUL.
fn utf16(sample: &[u8]) -> Option<&'static str> {
    if sample.starts_with(b"\xff\xfe") {
        return Some("UTF-16LE");
    }
    if sample.starts_with(b"\xfe\xff") {
        return Some("UTF-16BE");
    }
    let pairs = sample.len().min(4096) / 2;
    if pairs < 4 {
        return None;
    }
    let nul_at = |parity: usize| {
        (0..pairs).filter(|i| sample[2 * i + parity] == 0).count() * 10 >= pairs * 9
    };
    if nul_at(1) && !nul_at(0) {
        Some("UTF-16LE")
    } else if nul_at(0) && !nul_at(1) {
        Some("UTF-16BE")
    } else {
        None
    }
}

/// More than a third of the first 8 KiB are neither text nor UTF-8 continuation bytes,
/// NUL runs excepted (a crashed writer leaves zeroed blocks in a text log).
fn mostly_binary(sample: &[u8]) -> bool {
    let head = &sample[..sample.len().min(8192)];
    let text_like = |b: &u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x1b | 0x20..=0x7e | 0x80..);
    let nul = head.iter().filter(|&&b| b == 0).count();
    let other = head.iter().filter(|b| !text_like(b)).count() - nul;
    let considered = head.len() - nul;
    considered > 0 && other * 3 > considered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binaries_are_named_and_damaged_logs_are_not() {
        let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00";
        assert_eq!(
            kind(elf).as_deref(),
            Some("an ELF executable or library, not a log")
        );
        assert_eq!(
            kind(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").as_deref(),
            Some("a PNG image, not a log")
        );
        let utf16: Vec<u8> = "ERROR denied\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(
            kind(&utf16).as_deref(),
            Some("UTF-16LE text; convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8)")
        );
        assert_eq!(
            kind(&[0x01, 0x02, 0x03, 0x04, 0x05, 0x06, b'a']).as_deref(),
            Some("binary data (mostly non-text bytes), not a log")
        );
        let mut crashed = b"2024-05-02 10:00:00 INFO ok\n".to_vec();
        crashed.extend([0u8; 4096]);
        crashed.extend(b"2024-05-02 10:00:01 ERROR Failed to generate API key: denied\n");
        assert_eq!(
            kind(&crashed),
            None,
            "NUL runs in a text log are damage, not binary"
        );
        assert_eq!(kind("Ünïcödé log line\n".as_bytes()), None);
        assert_eq!(kind(b""), None);
        assert_eq!(kind(b"MZ is a fine way to start a log line\n"), None);
    }
}
