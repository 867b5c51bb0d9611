//! `keydeny watch`: follow log files like `tail -F`. New files appearing in a watched
//! directory are picked up; a rotated file (same name, new file) is finished and then reopened
//! from its start; a truncated file is read again from its start. Each denied key generation
//! is printed as one line as it appears, in columns laid out like the `events` table (fixed
//! once for the terminal's width, so every line lines up under the header); a path that
//! does not exist yet is waited for, and said so. Ctrl-C prints the summary of what was seen.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::aggregate::Summary;
use crate::config::Window;
use crate::event::{Cause, Event};
use crate::extract::{Context, Position, extract};
use crate::format::sniff::{self, Sample};
use crate::format::{InputFormat, Parsed};
use crate::report::layout::{Column, Layout, fit, render, width};
use crate::report::table::{TableWriter, sanitize, short_cause};
use crate::report::{SummaryContext, SummaryWriter};
use crate::rules::RuleSet;
use crate::source::walk;
use crate::terminal::Terminal;
use crate::zone::Zone;

pub struct WatchOptions {
    pub paths: Vec<String>,
    pub from_start: bool,
    pub input_format: Option<InputFormat>,
    pub zone: Zone,
    pub terminal: Terminal,
    pub poll: Duration,
}

/// One followed file.
struct Followed {
    display: Arc<str>,
    file: Option<File>,
    identity: Option<(u64, u64)>,
    offset: u64,
    partial: Vec<u8>,
    line: u64,
    format: Option<InputFormat>,
    /// The last bytes read before `offset`: if they change, the file was rewritten.
    tail: Vec<u8>,
}

/// Follow until Ctrl-C (SIGINT or SIGTERM), then print the summary. Exit code 0.
pub fn run(
    rules: &RuleSet,
    options: &WatchOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    crate::interrupt::install();
    let mut files: BTreeMap<PathBuf, Followed> = BTreeMap::new();
    let mut consumed: HashMap<(u64, u64), u64> = HashMap::new();
    let mut summary = Summary::default();
    let mut waiting = missing(&options.paths);
    discover(options, &mut files, &consumed, options.from_start, err)?;
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
    let layout = live_layout(options);
    let header = render(
        &live_columns(None, options.zone),
        &layout,
        |h| options.terminal.bold(h),
        |_, _, _| String::new(),
    );
    write!(
        out,
        "{}",
        header
            .lines()
            .next()
            .map(|h| format!("{h}\n"))
            .unwrap_or_default()
    )?;
    while !crate::interrupt::requested() {
        waiting.retain(|path| {
            let gone = !Path::new(path).exists();
            if !gone {
                let _ = writeln!(err, "keydeny: {path} appeared; following it");
            }
            gone
        });
        discover(options, &mut files, &consumed, true, err)?;
        for (path, followed) in files.iter_mut() {
            let before = (followed.line, followed.offset);
            let events = poll(path, followed, &mut consumed, rules, err)?;
            account(&mut summary, before, followed, events.len());
            for event in events {
                print_event(&event, options, &layout, out)?;
                summary.add(&event);
            }
        }
        out.flush()?;
        std::thread::sleep(options.poll);
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
    out.flush()?;
    Ok(0)
}

/// Count the lines a poll read (a restart after rotation or truncation starts a new count).
fn account(summary: &mut Summary, before: (u64, u64), f: &Followed, events: usize) {
    let (lines, bytes) = if f.line >= before.0 && f.offset >= before.1 {
        (f.line - before.0, f.offset - before.1)
    } else {
        (f.line, f.offset)
    };
    let inputs = &mut summary.inputs;
    inputs.lines += lines;
    inputs.records += lines;
    inputs.bytes += bytes;
    inputs.matched += events as u64;
    inputs.other += lines.saturating_sub(events as u64);
}

/// Add files not yet followed; those seen at start begin at their end unless `from_start`.
/// A file that is an already-followed file under a new name (`app.log` rotated to
/// `app.log.1`) continues where it was left, so nothing is reported twice.
fn discover(
    options: &WatchOptions,
    files: &mut BTreeMap<PathBuf, Followed>,
    consumed: &HashMap<(u64, u64), u64>,
    from_start: bool,
    err: &mut dyn Write,
) -> io::Result<()> {
    let (inputs, errors) = walk::expand(&options.paths);
    for e in errors {
        writeln!(err, "keydeny: {}: {}", e.path, e.message)?;
    }
    for input in inputs {
        let Some(path) = input.path else { continue };
        if files.contains_key(&path) || !path.exists() {
            continue;
        }
        let meta = std::fs::metadata(&path).ok();
        let known = meta
            .as_ref()
            .and_then(identity)
            .and_then(|id| consumed.get(&id).copied());
        let offset = match (known, from_start) {
            (Some(offset), _) => offset,
            (None, true) => 0,
            (None, false) => meta.map_or(0, |m| m.len()),
        };
        let followed = Followed {
            display: input.display,
            file: None,
            identity: None,
            offset,
            partial: Vec::new(),
            line: 0,
            format: options.input_format,
            tail: Vec::new(),
        };
        files.insert(path, followed);
    }
    Ok(())
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// New events from one file since the last poll.
/// `consumed` records how far each file (by identity) has been read, whatever its name, so a
/// file followed under two names (before and after a rotation) is read once.
fn poll(
    path: &Path,
    f: &mut Followed,
    consumed: &mut HashMap<(u64, u64), u64>,
    rules: &RuleSet,
    err: &mut dyn Write,
) -> io::Result<Vec<Event>> {
    let mut events = Vec::new();
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(events); // rotated away; the new file is not there yet
    };
    let now_identity = identity(&meta);
    if f.file.is_some() && f.identity.is_some() && now_identity != f.identity {
        // Rotated: finish the old file through the handle, then start the new one.
        catch_up(f, consumed);
        read_new(f, rules, &mut events)?;
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
    }
    if f.file.is_none() {
        match File::open(path) {
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
    read_new(f, rules, &mut events)?;
    record(f, consumed);
    Ok(events)
}

/// Whether the bytes just before the offset changed: truncated and written again, possibly
/// longer than before (a size check alone misses that).
fn rewritten(f: &mut Followed) -> io::Result<bool> {
    let Some(file) = f.file.as_mut() else {
        return Ok(false);
    };
    if f.tail.is_empty() {
        return Ok(false);
    }
    let start = f.offset - f.tail.len() as u64;
    file.seek(SeekFrom::Start(start))?;
    let mut now = vec![0; f.tail.len()];
    let same = file.read_exact(&mut now).is_ok() && now == f.tail;
    Ok(!same)
}

/// Skip what was already read of this file under another name.
fn catch_up(f: &mut Followed, consumed: &HashMap<(u64, u64), u64>) {
    if let Some(done) = f.identity.and_then(|id| consumed.get(&id)) {
        if *done > f.offset {
            f.offset = *done;
            f.partial.clear();
            f.tail.clear();
        }
    }
}

fn record(f: &Followed, consumed: &mut HashMap<(u64, u64), u64>) {
    if let Some(id) = f.identity {
        let done = f.offset - f.partial.len() as u64;
        consumed.insert(id, done.max(consumed.get(&id).copied().unwrap_or(0)));
    }
}

impl Followed {
    /// The same name, followed from the start of whatever file now has it.
    fn restart(&self) -> Followed {
        Followed {
            display: self.display.clone(),
            file: None,
            identity: None,
            offset: 0,
            partial: Vec::new(),
            line: 0,
            format: self.format,
            tail: Vec::new(),
        }
    }
}

/// Read from the offset to the end; complete lines become records.
fn read_new(f: &mut Followed, rules: &RuleSet, events: &mut Vec<Event>) -> io::Result<()> {
    let Some(file) = f.file.as_mut() else {
        return Ok(());
    };
    file.seek(SeekFrom::Start(f.offset))?;
    let mut data = Vec::new();
    let read = file.read_to_end(&mut data)?;
    f.offset += read as u64;
    f.tail.extend_from_slice(&data);
    let keep = f.tail.len().saturating_sub(64);
    f.tail.drain(..keep);
    f.partial.extend_from_slice(&data);
    let Some(end) = memchr::memrchr(b'\n', &f.partial) else {
        return Ok(());
    };
    let complete: Vec<u8> = f.partial.drain(..=end).collect();
    let format = *f
        .format
        .get_or_insert_with(|| sniff::sniff_format(&Sample::new(&complete)));
    for raw in complete[..complete.len() - 1].split(|&b| b == b'\n') {
        f.line += 1;
        let at = Position {
            file: &f.display,
            format,
            line: f.line,
            record: None,
            modified: None,
        };
        if let Parsed::Record(record) = format.parser().parse(raw) {
            events.extend(extract(
                *record,
                &Context {
                    rules,
                    now: Utc::now(),
                    redact: true,
                    near_misses: false,
                },
                at,
            ));
        }
    }
    Ok(())
}

/// The named paths that do not exist (yet).
fn missing(paths: &[String]) -> Vec<String> {
    paths
        .iter()
        .filter(|p| *p != "-" && !Path::new(p).exists())
        .cloned()
        .collect()
}

/// The columns of a live line: of `event`, or (`None`) of a template row whose widths are
/// those the layout is fixed for (a time with milliseconds, the longest cause, 24-cell
/// actor and action, a 60-cell reason).
fn live_columns(event: Option<&Event>, zone: Zone) -> Vec<Column> {
    let sample = DateTime::<Utc>::from_timestamp(0, 1_000_000).unwrap_or_default();
    let (time, compact, cause, actor, action, reason) = match event {
        None => (
            zone.format(sample),
            zone.compact(sample, false),
            Cause::NetworkRestriction,
            "x".repeat(24),
            "x".repeat(24),
            "x".repeat(60),
        ),
        Some(e) => (
            e.time.map_or("-".into(), |t| zone.format(t)),
            e.time.map_or("-".into(), |t| zone.compact(t, false)),
            e.cause,
            sanitize(e.actor.as_deref().unwrap_or("-")),
            sanitize(&e.action),
            sanitize(&e.reason),
        ),
    };
    vec![
        Column::new("TIME", vec![time]).compacts(
            0,
            format!("TIME ({})", zone.name()),
            vec![compact],
        ),
        Column::new("CAUSE", vec![cause.id().to_string()]).compacts(
            1,
            "CAUSE",
            vec![short_cause(cause).to_string()],
        ),
        Column::new("ACTOR", vec![actor])
            .shrinks(2, 10, true)
            .soft(16),
        Column::new("ACTION", vec![action])
            .shrinks(1, 14, false)
            .drops(0),
        Column::new("REASON", vec![reason])
            .shrinks(0, 18, false)
            .soft(40),
    ]
}

/// The layout every live line uses: the template fitted to the terminal.
fn live_layout(options: &WatchOptions) -> Layout {
    fit(&live_columns(None, options.zone), options.terminal.width)
}

/// `TIME  CAUSE  ACTOR  ACTION  REASON` on one line, in the fixed layout; when piped, the
/// reason is printed whole.
fn print_event(
    e: &Event,
    options: &WatchOptions,
    layout: &Layout,
    out: &mut dyn Write,
) -> io::Result<()> {
    let columns = live_columns(Some(e), options.zone);
    let mut layout = Layout {
        widths: layout.widths.clone(),
        compact: layout.compact.clone(),
    };
    if options.terminal.width.is_none() {
        if let Some(last) = layout.widths.last_mut() {
            *last = Some(width(&columns[4].cells[0]));
        }
    }
    let t = &options.terminal;
    let text = render(
        &columns,
        &layout,
        |_| String::new(),
        |_, col, text| {
            if col == 1 {
                t.cause(e.cause, text)
            } else {
                text.to_string()
            }
        },
    );
    write!(out, "{}", text.trim_start_matches('\n'))
}
