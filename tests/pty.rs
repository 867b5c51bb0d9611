//! keydeny at a real terminal: the binary runs under a pseudo-terminal (stdin, stdout and
//! stderr on it, as in an interactive shell), with an input large enough for the progress
//! bar to draw. Every run has a deadline that fails the test instead of hanging it
//! (a progress thread once deadlocked on a held stderr lock and no test had a terminal).

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

use crate::util::root;

const EVENT: &str =
    "2024-05-02T10:00:00Z ERROR Failed to generate API key: permission denied user=alice\n";
const DEADLINE: Duration = Duration::from_secs(90);

/// A process on a pseudo-terminal, its screen output collected as it comes.
struct Terminal {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<Vec<u8>>>,
}

impl Terminal {
    /// `program ARGS...` in `dir` at an 100x30 terminal.
    fn spawn(program: &str, args: &[&str], dir: &Path) -> Terminal {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 30,
                cols: 100,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let mut command = CommandBuilder::new(program);
        command.args(args);
        command.cwd(dir);
        command.env_remove("NO_COLOR");
        command.env("TERM", "xterm-256color");
        let child = pty.slave.spawn_command(command).expect("spawn on the pty");
        drop(pty.slave);
        let screen = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let sink = screen.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pty.master.take_writer().expect("pty writer");
        Terminal {
            child,
            master: pty.master,
            writer,
            screen,
        }
    }

    fn keydeny(args: &[&str], dir: &Path) -> Terminal {
        Terminal::spawn(env!("CARGO_BIN_EXE_keydeny"), args, dir)
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// Wait until the screen shows `needle`; fail at the deadline.
    fn wait_for(&mut self, needle: &str) {
        let start = Instant::now();
        while !self.screen().contains(needle) {
            if start.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!("never showed {needle:?}; screen:\n{}", self.screen());
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn type_keys(&mut self, keys: &[u8]) {
        self.writer.write_all(keys).unwrap();
        self.writer.flush().unwrap();
    }

    /// The exit code, or a failure (after killing it) when the deadline passes.
    fn finish(&mut self) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                // Let the reader thread drain what is left on the terminal.
                thread::sleep(Duration::from_millis(200));
                let _ = &self.master;
                return status.exit_code();
            }
            if start.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!(
                    "still running after {DEADLINE:?} (a hang); screen:\n{}",
                    self.screen()
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A directory with one app log of about `mb` MB holding one event per 1000 lines.
fn big_log(mb: usize) -> (tempfile::TempDir, PathBuf, usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let mut file = std::io::BufWriter::new(fs::File::create(&path).unwrap());
    let mut written = 0;
    let mut i = 0u64;
    let mut events = 0;
    while written < mb << 20 {
        let line = if i % 1000 == 0 {
            events += 1;
            EVENT.to_string()
        } else {
            format!("2024-05-02T10:00:01Z INFO request {i} served in 3 ms path=/v1/items\n")
        };
        written += line.len();
        file.write_all(line.as_bytes()).unwrap();
        i += 1;
    }
    file.flush().unwrap();
    (dir, path, events)
}

#[test]
fn summary_at_a_terminal_draws_the_bar_and_finishes() {
    let (dir, _, events) = big_log(24);
    let mut term = Terminal::keydeny(&["summary", "app.log"], dir.path());
    let code = term.finish();
    let screen = term.screen();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("0/1 files"), "the bar was drawn: {screen}");
    assert!(screen.contains("ETA"), "{screen}");
    let expected = format!(
        "Read 1 file(s), {} bytes",
        fs::metadata(dir.path().join("app.log")).unwrap().len()
    );
    assert!(screen.contains(&expected), "{screen}");
    assert!(
        screen.contains(&format!("{} denied key generation(s)", events)),
        "{screen}"
    );
}

#[test]
fn events_and_events_to_a_file_at_a_terminal_finish() {
    let (dir, _, events) = big_log(24);
    let mut term = Terminal::keydeny(&["events", "app.log"], dir.path());
    assert_eq!(term.finish(), 0, "{}", term.screen());
    assert!(term.screen().contains("alice"), "{}", term.screen());

    let mut term = Terminal::keydeny(
        &["events", "--format", "csv", "-o", "out.csv", "app.log"],
        dir.path(),
    );
    assert_eq!(term.finish(), 0, "{}", term.screen());
    let csv = fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + events);
    assert!(
        term.screen().contains("/1 files"),
        "the bar was drawn: {}",
        term.screen()
    );
}

#[test]
fn a_pipe_on_stdout_with_stderr_at_the_terminal_finishes() {
    let (dir, _, _) = big_log(24);
    let keydeny = env!("CARGO_BIN_EXE_keydeny");
    let script =
        format!("'{keydeny}' summary --format json app.log | cat > piped.json; echo \"exit=$?\"");
    let mut term = Terminal::spawn("sh", &["-c", &script], dir.path());
    assert_eq!(term.finish(), 0, "{}", term.screen());
    assert!(term.screen().contains("exit=0"), "{}", term.screen());
    assert!(
        term.screen().contains("/1 files"),
        "bar on the terminal stderr: {}",
        term.screen()
    );
    let json = fs::read_to_string(dir.path().join("piped.json")).unwrap();
    assert!(
        json.contains("\"schema\": \"keydeny.summary/v2\""),
        "{json}"
    );
    assert!(!json.contains('\u{1b}'), "no escape codes on the pipe");
}

#[test]
fn ctrl_c_during_a_long_run_exits_130_and_leaves_no_output_file() {
    let (dir, _, _) = big_log(8);
    // A FIFO fed without end keeps the run going until Ctrl-C.
    let fifo = dir.path().join("live.log");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    let feeder_path = fifo.clone();
    thread::spawn(move || {
        if let Ok(mut pipe) = fs::OpenOptions::new().write(true).open(feeder_path) {
            let line =
                "2024-05-02T10:00:01Z INFO request served in 3 ms path=/v1/items\n".repeat(512);
            while pipe.write_all(line.as_bytes()).is_ok() {}
        }
    });
    let mut term = Terminal::keydeny(
        &["summary", "-o", "report.txt", "app.log", "live.log"],
        dir.path(),
    );
    term.wait_for("files");
    let pressed = Instant::now();
    term.type_keys(b"\x03");
    let code = term.finish();
    assert_eq!(code, 130, "{}", term.screen());
    assert!(
        pressed.elapsed() < Duration::from_secs(10),
        "prompt: {:?}",
        pressed.elapsed()
    );
    assert!(
        term.screen().contains("keydeny: interrupted"),
        "{}",
        term.screen()
    );
    let left: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut left = left;
    left.sort();
    assert_eq!(
        left,
        ["app.log", "live.log"],
        "no report, no temporary file"
    );
}

#[test]
fn stdin_at_a_terminal_says_so_and_ends_on_one_ctrl_d() {
    let dir = tempfile::tempdir().unwrap();
    let mut term = Terminal::keydeny(&["summary"], dir.path());
    term.wait_for("reading logs from stdin");
    term.type_keys(EVENT.as_bytes());
    term.type_keys(b"\x04");
    let code = term.finish();
    assert_eq!(code, 0, "{}", term.screen());
    assert!(
        term.screen().contains("1 denied key generation(s)"),
        "{}",
        term.screen()
    );
}

#[test]
fn the_readme_first_command_finishes_at_a_terminal() {
    let mut term = Terminal::keydeny(&["summary", "fixtures/logs/"], &root());
    assert_eq!(term.finish(), 0, "{}", term.screen());
    assert!(
        term.screen().contains("denied key generation(s)"),
        "{}",
        term.screen()
    );
}
