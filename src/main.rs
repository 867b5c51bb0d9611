//! The `keydeny` binary: arguments in, exit code out. Everything else is in the library.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let streams = keydeny::terminal::Streams::detect();
    let code = keydeny::main_with_streams(args, &mut stdout.lock(), &mut stderr.lock(), streams);
    std::process::exit(code);
}
