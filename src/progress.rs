//! A progress bar on stderr for long runs on a terminal: bytes and files done, throughput and
//! ETA, drawn by indicatif from counters the scanner bumps. Absent when stderr is not a
//! terminal or with `--quiet`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counters shared with the scanning threads.
#[derive(Default)]
pub struct Progress {
    /// Bytes read from the files (compressed bytes for compressed files).
    pub bytes: Arc<AtomicU64>,
    pub files: AtomicU64,
}

/// Run `work` with a progress bar over `total_bytes` in `total_files` when `enabled`.
pub fn with_progress<T>(
    enabled: bool,
    total_bytes: u64,
    total_files: u64,
    work: impl FnOnce(Option<&Arc<Progress>>) -> T,
) -> T {
    if !enabled {
        return work(None);
    }
    let progress = Arc::new(Progress::default());
    let done = Arc::new(AtomicBool::new(false));
    let drawer = {
        let (progress, done) = (progress.clone(), done.clone());
        thread::spawn(move || draw(&progress, &done, total_bytes, total_files))
    };
    let result = work(Some(&progress));
    done.store(true, Ordering::Relaxed);
    let _ = drawer.join();
    result
}

fn draw(progress: &Progress, done: &AtomicBool, total_bytes: u64, total_files: u64) {
    let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
    let template =
        "{spinner} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {wide_bar} {msg}";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    while !done.load(Ordering::Relaxed) {
        bar.set_position(progress.bytes.load(Ordering::Relaxed).min(total_bytes));
        bar.set_message(format!(
            "{}/{total_files} files",
            progress.files.load(Ordering::Relaxed)
        ));
        thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}
