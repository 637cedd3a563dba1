//! `bulletin serve` as a process: the URL on stdout, loopback only without `--allow-remote`, a
//! model folder that belongs to another model refused, and a graceful stop on SIGTERM.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

fn bulletin(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bulletin"));
    command.arg("serve").args(args).current_dir(dir).stdin(Stdio::null());
    command
}

#[test]
fn a_non_loopback_address_needs_allow_remote() {
    let dir = tempfile::tempdir().unwrap();
    let out = bulletin(dir.path(), &["--addr", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a loopback address: binding to it needs --allow-remote"), "{err}");
    assert!(out.stdout.is_empty());
    let out = bulletin(dir.path(), &["--addr", "no-such-host"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid --addr"));
    // A port in use is refused too.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = bulletin(dir.path(), &["--addr", &addr]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen on"), "{}", String::from_utf8_lossy(&out.stderr));
    // A server that did not start wrote nothing: no model folder, no corrections file.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "a refused start left files behind");
}

#[test]
fn a_model_folder_started_from_another_model_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("bulletin-models")).unwrap();
    std::fs::write(dir.path().join("bulletin-models/model-0.bin"), b"another model").unwrap();
    let out = bulletin(dir.path(), &["--addr", "127.0.0.1:0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("was started from another model than the embedded default model"), "{err}");
}

#[cfg(unix)]
#[test]
fn it_prints_the_url_serves_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = bulletin(dir.path(), &["--addr", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim();
    assert!(url.starts_with("http://127.0.0.1:") && url.contains("/?token="), "{url}");
    let token = url.rsplit_once("token=").unwrap().1;
    assert_eq!(token.len(), 32);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    // /healthz over a plain socket.
    let addr = url.trim_start_matches("http://").split('/').next().unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    std::io::Write::write_all(&mut stream, format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(dir.path().join("bulletin-models/model-0.bin").is_file());
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(err.contains("bulletin serve: stopped"), "{err}");
}
