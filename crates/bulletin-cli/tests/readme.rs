//! The README against the binary: its command table lists exactly the subcommands of
//! `bulletin --help`, with the same descriptions, and every flag it shows for a subcommand (in the
//! table, in examples and in inline code) is one that subcommand's `--help` lists. Docs drift is
//! the most common defect; this keeps the README honest as commands are added (whatever they are).

use std::collections::{BTreeMap, BTreeSet};

use assert_cmd::Command;

#[allow(dead_code, unused_macros, reason = "shared with the other test binaries; this one needs only `root`")]
mod util;
use util::root;

fn help(args: &[&str]) -> String {
    let out = Command::cargo_bin("bulletin").unwrap().current_dir(root()).args(args).arg("--help").env_remove("NO_COLOR").output().unwrap();
    assert!(out.status.success(), "{args:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands of `bulletin --help` and their one-line descriptions (wrapped lines joined).
fn subcommands() -> BTreeMap<String, String> {
    let top = help(&[]);
    let mut commands: Vec<(String, String)> = Vec::new();
    for line in top.lines().skip_while(|l| !l.starts_with("Commands:")).skip(1).take_while(|l| l.starts_with("  ")) {
        if line.starts_with("   ") {
            let (_, description) = commands.last_mut().expect("a continuation line follows a command");
            description.push(' ');
            description.push_str(line.trim());
        } else {
            let line = line.trim();
            let (name, description) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            commands.push((name.to_owned(), description.trim().to_owned()));
        }
    }
    commands.into_iter().filter(|(name, _)| name != "help").collect()
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// The rows of the README's command table: (command line, description).
fn command_table(readme: &str) -> Vec<(String, String)> {
    let section = readme.split("\n## Subcommands").nth(1).expect("a Subcommands section");
    let section = section.split("\n#").next().unwrap();
    section
        .lines()
        .filter(|l| l.starts_with("| `bulletin "))
        .map(|row| {
            let row = row.replace("\\|", "¦");
            let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 2, "a command row has two cells: {row}");
            (cells[0].replace('¦', "|"), cells[1].to_owned())
        })
        .collect()
}

fn command_name(line: &str) -> String {
    line.trim_start_matches('`').split_whitespace().nth(1).unwrap().trim_end_matches('`').to_owned()
}

#[test]
fn the_command_table_lists_every_subcommand_with_its_help_description() {
    let commands = subcommands();
    assert!(commands.len() >= 14, "{commands:?}");
    let readme = readme();
    let rows = command_table(&readme);
    let in_readme: BTreeSet<String> = rows.iter().map(|(line, _)| command_name(line)).collect();
    let in_help: BTreeSet<String> = commands.keys().cloned().collect();
    assert_eq!(in_readme, in_help, "README command table vs `bulletin --help`");
    for (line, description) in &rows {
        let name = command_name(line);
        assert_eq!(description, &commands[&name], "the README's description of `{name}`");
    }
}

/// Every `bulletin COMMAND …` the README shows: table rows, `$ bulletin …` example lines and
/// inline code, each cut at a shell pipe.
fn command_lines(readme: &str, commands: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let text = readme.replace("\\|", "¦");
    let mut rest = text.as_str();
    while let Some(at) = rest.find("bulletin ") {
        let tail = &rest[at + "bulletin ".len()..];
        rest = tail;
        let before = text[..text.len() - tail.len() - "bulletin ".len()].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '/' || c == '_') {
            continue;
        }
        let end = tail.find(['`', '\n', '|']).unwrap_or(tail.len());
        let line = &tail[..end];
        let name = line.split_whitespace().next().unwrap_or("");
        if commands.contains_key(name) {
            found.push((name.to_owned(), line.to_owned()));
        }
    }
    found
}

/// The flags in a command line: `--long` and `-s`.
fn flags(line: &str) -> Vec<String> {
    line.split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | '(' | ')' | ',' | '¦' | '='))
        .filter(|w| {
            (w.starts_with("--") && w.len() > 2 && w[2..].chars().all(|c| c.is_ascii_lowercase() || c == '-'))
                || (w.len() == 2 && w.starts_with('-') && w[1..].chars().all(|c| c.is_ascii_alphabetic()))
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_flag_the_readme_shows_for_a_command_is_in_its_help() {
    let commands = subcommands();
    let readme = readme();
    let lines = command_lines(&readme, &commands);
    assert!(lines.len() > 30, "too few command lines found: {lines:?}");
    let mut helps: BTreeMap<String, String> = BTreeMap::new();
    let mut checked = 0;
    for (name, line) in &lines {
        let help = helps.entry(name.clone()).or_insert_with(|| help(&[name]));
        for flag in flags(line) {
            let listed = if flag.starts_with("--") {
                help.lines().any(|l| l.trim_start().split([',', ' ', '=']).any(|w| w == flag))
            } else {
                help.lines().any(|l| l.trim_start().starts_with(&format!("{flag},")))
            };
            assert!(listed, "the README shows `bulletin {name} … {flag}` but `bulletin {name} --help` has no {flag}");
            checked += 1;
        }
    }
    assert!(checked > 60, "only {checked} flags checked");
}

/// The flags the README lists as shared (`-m/--model`, …) exist with that short form wherever a
/// command has the long one, and the environment variables it names are shown in `--help`.
#[test]
fn shared_flags_and_environment_variables_match_the_help() {
    let readme = readme();
    let helps: Vec<String> = subcommands().keys().map(|name| help(&[name])).collect();
    let section = readme.split("\n## Subcommands").nth(1).unwrap().split("| command |").next().unwrap();
    let pairs: Vec<(&str, &str)> = section
        .split('`')
        .filter_map(|code| {
            let (short, long) = code.split_once('/')?;
            (short.len() == 2 && short.starts_with('-')).then(|| (short, long.split_whitespace().next().unwrap_or(long)))
        })
        .collect();
    assert!(pairs.len() >= 7, "{pairs:?}");
    for (short, long) in pairs {
        let words = |h: &str| h.split(|c: char| c.is_whitespace() || c == ',' || c == '=').any(|w| w == long);
        let with_long: Vec<&String> = helps.iter().filter(|h| h.lines().any(|l| l.trim_start().starts_with('-') && words(l))).collect();
        assert!(!with_long.is_empty(), "no command has {long}");
        for help in with_long {
            assert!(help.contains(&format!("{short}, {long}")), "{long} without {short}:\n{help}");
        }
    }
    for var in ["BULLETIN_MODEL", "BULLETIN_THREADS"] {
        assert!(section.contains(var), "the README's shared flags do not mention {var}");
        assert!(helps.iter().any(|h| h.contains(&format!("[env: {var}"))), "no --help shows {var}");
    }
}
