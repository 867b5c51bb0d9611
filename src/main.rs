//! The `keydeny` binary: arguments in, exit code out. Everything else is in the library.

/// mimalloc: faster for the many small allocations of parsing, and it returns freed block
/// buffers to the system, so peak memory stays flat as inputs grow.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (v3 numbering, `mimalloc.h`): how long freed memory
/// stays committed before it is given back. The default, 10 ms, gives back a block buffer
/// between two blocks and faults it in (zeroed, as huge pages) again at once: a tenth of the
/// scan's CPU went to the kernel clearing pages. A quarter second keeps buffers that are reused
/// and still returns memory when a run (or `watch`) goes quiet.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

fn main() {
    // SAFETY: setting an option is allowed at any time; the value is a plain integer.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 250) };
    let args: Vec<String> = std::env::args().collect();
    let stdout = std::io::stdout();
    let streams = keydeny::terminal::Streams::detect();
    keydeny::interrupt::install();
    // stderr is not locked for the run: the progress bar draws on it from its own thread.
    let code =
        keydeny::main_with_streams(args, &mut stdout.lock(), &mut std::io::stderr(), streams);
    std::process::exit(code);
}
