//! One integration test binary: fixture expectations, golden outputs, CLI contract,
//! parallel/compression/prefilter equivalence, and the real-world corpora.

mod util;

mod cli;
mod corpora;
mod dirty;
mod equivalence;
mod eval;
mod expectations;
mod fanout;
mod golden;
mod hostile;
mod issue13;
mod issue16;
mod pty;
mod remote;
mod remote_azure;
mod reports;
mod terminal;
