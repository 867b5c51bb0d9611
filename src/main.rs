//! The `keydeny` binary: arguments in, exit code out. Everything else is in the library.

/// mimalloc: faster for the many small allocations of parsing, and it returns freed block
/// buffers to the system, so peak memory stays flat as inputs grow.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let stdout = std::io::stdout();
    let streams = keydeny::terminal::Streams::detect();
    keydeny::interrupt::install();
    // stderr is not locked for the run: the progress bar draws on it from its own thread.
    let code =
        keydeny::main_with_streams(args, &mut stdout.lock(), &mut std::io::stderr(), streams);
    std::process::exit(code);
}
