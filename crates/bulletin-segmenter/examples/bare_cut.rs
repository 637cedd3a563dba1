//! Bare jieba-rs segmentation throughput: the floor `bench/throughput.sh` compares `bulletin` against.
//!
//! ```text
//! cargo run --release -p bulletin-segmenter --example bare_cut -- [--no-hmm] [--cold] FILE
//! ```
//!
//! Reads FILE (UTF-8), builds one `jieba_rs::Jieba::new()` and cuts the text piece by piece (pieces are
//! separated by blank lines, like bulletin articles and paragraphs), HMM on unless `--no-hmm`.
//! Prints `bytes seconds MB/s tokens` on one line, where the time covers the cutting only (not the
//! file read nor the dictionary load) and MB is 10^6 bytes.
//!
//! With `--cold` the program is the minimal cold-start peer of `bulletin classify PAGE`: it builds the
//! `Jieba`, cuts the file and prints the token count; measure it externally as whole-process wall time.

use std::process::ExitCode;
use std::time::Instant;

/// Splits `text` into pieces separated by blank lines (lines that are empty or whitespace only).
fn pieces(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            if rest.is_empty() {
                return None;
            }
            // Find the end of the current piece: the first blank line.
            let mut end = rest.len();
            let mut next = rest.len();
            let mut pos = 0;
            for line in rest.split_inclusive('\n') {
                if line.trim().is_empty() {
                    end = pos;
                    next = pos + line.len();
                    break;
                }
                pos += line.len();
            }
            let piece = &rest[..end];
            rest = &rest[next..];
            if !piece.trim().is_empty() {
                return Some(piece);
            }
        }
    })
}

#[expect(clippy::print_stdout, reason = "an example program whose output is its measurement")]
#[expect(clippy::print_stderr, reason = "usage and I/O errors of an example program")]
fn main() -> ExitCode {
    let mut hmm = true;
    let mut cold = false;
    let mut path = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--no-hmm" => hmm = false,
            "--cold" => cold = true,
            "-h" | "--help" => {
                println!("usage: bare_cut [--no-hmm] [--cold] FILE");
                return ExitCode::SUCCESS;
            }
            _ if path.is_none() => path = Some(arg),
            _ => {
                eprintln!("bare_cut: unexpected argument {arg:?}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(path) = path else {
        eprintln!("usage: bare_cut [--no-hmm] [--cold] FILE");
        return ExitCode::from(2);
    };

    if cold {
        // Whole-process cold start: dictionary load plus one page, nothing else.
        let jieba = jieba_rs::Jieba::new();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("bare_cut: {path}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let tokens: usize = pieces(&text).map(|p| jieba.cut(p, hmm).len()).sum();
        println!("{tokens}");
        return ExitCode::SUCCESS;
    }

    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("bare_cut: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let jieba = jieba_rs::Jieba::new();
    let start = Instant::now();
    let mut tokens = 0usize;
    for piece in pieces(&text) {
        tokens += std::hint::black_box(jieba.cut(piece, hmm)).len();
    }
    let seconds = start.elapsed().as_secs_f64();
    let bytes = text.len();
    let mb_s = bytes as f64 / 1e6 / seconds;
    println!("{bytes} {seconds:.6} {mb_s:.3} {tokens}");
    ExitCode::SUCCESS
}
