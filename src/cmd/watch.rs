//! `keydeny watch`: follow log files like `tail -F`. New files appearing in a watched
//! directory are picked up; a rotated file (same name, new file) is finished and then reopened
//! from its start; a truncated file is read again from its start. What is appended goes
//! through the one scanner, so every format and framing reads as `events` reads it: complete
//! lines as they come (CRI partial lines held until their last part arrives), and a file of
//! JSON documents (a CloudTrail `.json.gz` envelope, a pretty-printed array) or a compressed
//! file as a whole once it stops growing. Each denied key generation is printed as one line
//! as it appears, in columns laid out like the `events` table (fixed once for the terminal's
//! width, so every line lines up under the header); a path that does not exist yet is waited
//! for, and said so. Ctrl-C prints the summary of what was seen.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::{Env, ExitStatus};
use crate::aggregate::{Inputs, Summary};
use crate::cli::WatchArgs;
use crate::config::{self, WatchConfig, Window};
use crate::error::Result;
use crate::event::Event;
use crate::extract::Position;
use crate::findings::{self, Events};
use crate::format::InputFormat;
use crate::format::sniff::{self, Framing, Sample};
use crate::report::live::LiveWriter;
use crate::report::table::TableWriter;
use crate::report::{SummaryContext, SummaryWriter};
use crate::scan::Scanner;
use crate::source::Input;
use crate::source::follow::{
    Followed, Mode, catch_up, complete_records, discover, identity, is_whole, missing, record,
    rewritten,
};
use crate::terminal::Terminal;
use crate::zone::Zone;

/// What `watch` shows and how (from [`WatchConfig`] and the terminal).
struct WatchOptions {
    paths: Vec<String>,
    from_start: bool,
    input_format: Option<InputFormat>,
    zone: Zone,
    terminal: Terminal,
}

pub fn run(
    args: WatchArgs,
    env: Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus> {
    let config = WatchConfig::from_args(args, config::now()?)?;
    follow(&config, env.terminal, out, err)?;
    Ok(ExitStatus::Clean)
}

/// Follow until Ctrl-C (SIGINT or SIGTERM), then print the summary.
fn follow(
    config: &WatchConfig,
    terminal: Terminal,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    let options = &WatchOptions {
        paths: config.paths.clone(),
        from_start: config.from_start,
        input_format: config.scan.input_format,
        zone: config.scan.zone,
        terminal,
    };
    let rules = &config.scan.rules;
    let mut scanner = findings::scanner(&config.scan);
    crate::interrupt::install();
    let mut files: BTreeMap<PathBuf, Followed> = BTreeMap::new();
    let mut consumed: HashMap<(u64, u64), u64> = HashMap::new();
    let mut summary = Summary::default();
    let mut waiting = missing(&options.paths);
    let mut reported = HashSet::new();
    discover(
        &options.paths,
        options.input_format,
        &mut files,
        &consumed,
        options.from_start,
        &mut reported,
        err,
    )?;
    let names: Vec<&str> = files.values().map(|f| &*f.display).take(5).collect();
    let more = files.len().saturating_sub(names.len());
    let listed = match (names.is_empty(), more) {
        (true, _) => String::new(),
        (false, 0) => format!(": {}", names.join(", ")),
        (false, more) => format!(": {} and {more} more", names.join(", ")),
    };
    writeln!(
        err,
        "keydeny: watching {} file(s){listed}; Ctrl-C prints the summary",
        files.len()
    )?;
    for path in &waiting {
        writeln!(err, "keydeny: waiting for {path} (it does not exist yet)")?;
    }
    err.flush()?;
    let live = LiveWriter::new(options.zone, options.terminal);
    live.write_header(out)?;
    while !crate::interrupt::requested() {
        waiting.retain(|path| {
            let gone = !Path::new(path).exists();
            if !gone {
                let _ = writeln!(err, "keydeny: {path} appeared; following it");
            }
            gone
        });
        discover(
            &options.paths,
            options.input_format,
            &mut files,
            &consumed,
            true,
            &mut reported,
            err,
        )?;
        scanner.now = Utc::now();
        for followed in files.values_mut() {
            let events = poll(followed, &mut consumed, &scanner, &mut summary.inputs, err)?;
            for event in events {
                live.write_event(&event, out)?;
                summary.add(&event);
            }
        }
        out.flush()?;
        std::thread::sleep(config.poll);
    }
    summary.inputs.files = files.len() as u64;
    writeln!(out)?;
    let ctx = SummaryContext {
        summary: &summary,
        rules,
        rules_digest: &rules.digest,
        window: Window::default(),
        top: 5,
        thresholds: &[],
        zone: options.zone,
        title: "keydeny watch",
        generated: Utc::now(),
        trend: None,
        redacted: true,
    };
    TableWriter::new(options.zone, options.terminal).write_summary(&ctx, out)?;
    out.flush()
}

/// New events from one file since the last poll.
/// `consumed` records how far each file (by identity) has been read, whatever its name, so a
/// file followed under two names (before and after a rotation) is read once.
fn poll(
    f: &mut Followed,
    consumed: &mut HashMap<(u64, u64), u64>,
    scanner: &Scanner<'_>,
    inputs: &mut Inputs,
    err: &mut dyn Write,
) -> io::Result<Vec<Event>> {
    let mut events = Vec::new();
    let Ok(meta) = std::fs::metadata(&f.path) else {
        return Ok(events); // rotated away; the new file is not there yet
    };
    let now_identity = identity(&meta);
    if f.file.is_some() && f.identity.is_some() && now_identity != f.identity {
        // Rotated: finish the old file through the handle, then start the new one.
        catch_up(f, consumed);
        if f.mode != Some(Mode::Whole) {
            read_new(f, scanner, inputs, &mut events)?;
        }
        record(f, consumed);
        writeln!(
            err,
            "keydeny: {}: rotated; following the new file",
            f.display
        )?;
        *f = f.restart();
    }
    if meta.len() < f.offset || rewritten(f)? {
        writeln!(
            err,
            "keydeny: {}: truncated; reading from the start",
            f.display
        )?;
        if let Some(id) = f.identity {
            consumed.remove(&id);
        }
        f.offset = 0;
        f.partial.clear();
        f.tail.clear();
        f.line = 0;
        f.file = None;
        f.printed = None;
    }
    if f.file.is_none() {
        match File::open(&f.path) {
            Ok(file) => {
                f.file = Some(file);
                f.identity = now_identity;
                catch_up(f, consumed);
            }
            Err(e) => {
                writeln!(err, "keydeny: {}: {e}", f.display)?;
                return Ok(events);
            }
        }
    }
    catch_up(f, consumed);
    if f.mode == Some(Mode::Whole) || (f.mode.is_none() && is_whole(f)?) {
        f.mode = Some(Mode::Whole);
        read_whole(f, meta.len(), scanner, inputs, &mut events);
    } else {
        read_new(f, scanner, inputs, &mut events)?;
    }
    record(f, consumed);
    Ok(events)
}

/// A file read whole: scanned once its length held still for a poll, and again whenever it
/// grows; only events after those already printed are new.
fn read_whole(
    f: &mut Followed,
    len: u64,
    scanner: &Scanner<'_>,
    inputs: &mut Inputs,
    events: &mut Vec<Event>,
) {
    let settled = f.seen_len == Some(len);
    f.seen_len = Some(len);
    if !settled || len <= f.offset {
        return;
    }
    let mut sink = Events::default();
    let scan = scanner.scan(&Input::file(f.display.clone(), &f.path), None, &mut sink);
    *inputs += scan.inputs;
    f.offset = len;
    let mut found = sink.0;
    found.sort_by_key(|e| (e.line, e.record));
    let printed = f.printed;
    found.retain(|e| printed.is_none_or(|p| (e.line, e.record) > p));
    if let Some(last) = found.last() {
        f.printed = Some((last.line, last.record));
    }
    events.extend(found);
}

/// Read from the offset to the end; complete records (lines, or CRI lines up to the last
/// part of their message) go through the scanner.
fn read_new(
    f: &mut Followed,
    scanner: &Scanner<'_>,
    inputs: &mut Inputs,
    events: &mut Vec<Event>,
) -> io::Result<()> {
    let Some(file) = f.file.as_mut() else {
        return Ok(());
    };
    file.seek(SeekFrom::Start(f.offset))?;
    let mut data = Vec::new();
    let read = file.read_to_end(&mut data)?;
    f.offset += read as u64;
    inputs.bytes += read as u64;
    f.tail.extend_from_slice(&data);
    let keep = f.tail.len().saturating_sub(64);
    f.tail.drain(..keep);
    f.partial.extend_from_slice(&data);
    let format = match (f.mode, f.forced) {
        (Some(Mode::Lines(format)), _) | (_, Some(format)) => format,
        _ => sniff::sniff_format(&Sample::new(&f.partial)),
    };
    let Some(end) = complete_records(&f.partial, format) else {
        return Ok(());
    };
    f.mode = Some(Mode::Lines(format));
    let complete: Vec<u8> = f.partial.drain(..end).collect();
    let lines = crate::source::blocks::count_lines(&complete);
    let at = Position {
        file: &f.display,
        format,
        line: 0,
        record: None,
        modified: None,
    };
    let mut sink = Events::default();
    let stream = Box::new(io::Cursor::new(complete));
    let mut read = Inputs::default();
    scanner.scan_framed(stream, Framing::Lines, at, &mut read, &mut sink)?;
    *inputs += read;
    let mut found = sink.0;
    for event in &mut found {
        event.line += f.line;
    }
    found.sort_by_key(|e| e.line);
    events.extend(found);
    f.line += lines;
    Ok(())
}
