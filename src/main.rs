//! The `keydeny` binary: arguments in, exit code out. Everything else is in the library.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let code = keydeny::main_with(args, &mut stdout.lock(), &mut stderr.lock());
    std::process::exit(code);
}
