//! The command line's manners (issue 16): short flags, environment defaults, usage errors,
//! diagnostics, readable tables, colour, completions and the man page.

use std::path::Path;

use assert_cmd::Command;

#[macro_use]
#[allow(dead_code, unused_macros, reason = "shared with the other test binaries; this one uses a few helpers")]
mod util;
use util::{root, s, temp_with, tiny_model};

/// The `bulletin` command, run from the repository root, with none of the environment variables
/// that change its output set (the test runner's own `NO_COLOR` or `BULLETIN_MODEL` must not
/// leak in).
fn bulletin() -> Command {
    let mut cmd = Command::cargo_bin("bulletin").unwrap();
    cmd.current_dir(root());
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "BULLETIN_MODEL", "BULLETIN_THREADS"] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs the command and returns (exit code, stdout, stderr).
fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn run(args: &[&str]) -> (i32, String, String) {
    output(bulletin().args(args))
}

const PAGE: &str = "data/samples/page-1.txt";

// ---------------------------------------------------------------------------------------------
// Flags.

#[test]
fn short_flags_mean_the_long_ones() {
    let model = s(tiny_model());
    let long = run(&["classify", "--model", model, "--granularity", "paragraph", "--format", "jsonl", "--threads", "1", PAGE]);
    let short = run(&["classify", "-m", model, "-g", "paragraph", "-f", "jsonl", "-j", "1", PAGE]);
    assert_eq!(long.0, 0, "{}", long.2);
    assert_eq!(long, short);
    for (command, flags) in [
        ("train", &["-o, --out", "-j, --threads", "-g, --granularity"][..]),
        ("merge", &["-o, --out"]),
        ("calibrate", &["-m, --model", "-o, --out"]),
        ("suggest", &["-m, --model", "-o, --out", "-g, --granularity", "-n, --count"]),
        ("eval", &["-m, --model", "-g, --granularity", "-f, --format"]),
        ("segment", &["-m, --model", "-g, --granularity", "-f, --format"]),
        ("audit", &["-n, --count", "-f, --format", "-q, --quiet", "-v, --verbose", "--color <WHEN>"]),
    ] {
        let (code, help, _) = run(&[command, "--help"]);
        assert_eq!(code, 0);
        for flag in flags {
            assert!(help.contains(flag), "`{command} --help` lacks {flag}");
        }
    }
}

#[test]
fn bulletin_model_and_threads_come_from_the_environment() {
    let (_, help, _) = run(&["classify", "--help"]);
    assert!(help.contains("[env: BULLETIN_MODEL"), "{help}");
    assert!(help.contains("[env: BULLETIN_THREADS"), "{help}");
    let (code, _, err) = output(bulletin().env("BULLETIN_MODEL", "no-such-model.bin").args(["classify", PAGE]));
    assert_eq!(code, 1);
    assert!(err.contains("no-such-model.bin (from BULLETIN_MODEL)"), "errors name the variable: {err}");
    let (code, _, err) = run(&["classify", "-m", "no-such-model.bin", PAGE]);
    assert_eq!(code, 1);
    assert!(err.contains("no-such-model.bin") && !err.contains("BULLETIN_MODEL"), "{err}");
    // The flag overrides the environment.
    let (code, out, err) = output(bulletin().env("BULLETIN_MODEL", "no-such-model.bin").args(["classify", "-m", s(tiny_model()), PAGE]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("per theme:"));
    let (code, _, err) = output(bulletin().env("BULLETIN_THREADS", "0").args(["classify", PAGE]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--threads"), "{err}");
    assert!(err.contains("comes from the environment variable BULLETIN_THREADS"), "{err}");
    // The same bad value given on the command line is not blamed on the environment.
    let (code, _, err) = output(bulletin().env("BULLETIN_THREADS", "0").args(["classify", "--threads", "0", PAGE]));
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains("environment"), "{err}");
}

#[test]
fn a_bulletin_model_default_does_not_stop_eval_folds() {
    let data = "data/samples/zone/labelled.jsonl";
    let (code, out, err) =
        output(bulletin().env("BULLETIN_MODEL", "no-such-model.bin").args(["eval", "--folds", "2", "--data", data, "-f", "json"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"folds\""), "{out}");
    let (code, _, err) = run(&["eval", "--folds", "2", "--data", data, "--model", "x.bin"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--folds"), "{err}");
}

/// Regression: `--min-confidence 1.5` was refused after parsing, with exit code 1.
#[test]
fn out_of_range_values_are_usage_errors() {
    for bad in ["1.5", "-0.1", "NaN", "high"] {
        let (code, out, err) = run(&["classify", &format!("--min-confidence={bad}"), PAGE]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(out.is_empty());
        assert!(err.contains("--min-confidence"), "{err}");
        assert!(err.starts_with("bulletin: error: "), "clap's errors carry the program's prefix too: {err}");
    }
    let (code, _, err) = run(&["train", "--data", "x", "--out", "y", "--calibration-folds", "21"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["classify", "--no-such-flag"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("bulletin: error: unexpected argument"), "{err}");
    // Help is no error: no prefix, exit 0.
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("Tag the pieces"), "{out}");
}

#[test]
fn an_unknown_param_lists_every_accepted_key() {
    let out = std::env::temp_dir().join(format!("bulletin-conv-{}.bin", std::process::id()));
    let (code, _, err) = run(&["train", "--data", "data/samples/zone/labelled.jsonl", "--param", "topk=5", "-o", s(&out)]);
    assert_eq!(code, 1);
    for key in ["alpha", "fit_prior", "class_prior", "min_count", "top_k", "min_confidence", "tag_min_share", "tag_min_score"] {
        assert!(err.contains(key), "{key} missing: {err}");
    }
    assert!(!out.exists());
}

#[test]
fn warnings_and_notes_carry_the_program_name() {
    let (code, _, err) = run(&["classify", "--max-piece-chars", "20", PAGE]);
    assert_eq!(code, 0, "{err}");
    assert!(err.lines().count() > 0);
    for line in err.lines() {
        assert!(line.starts_with("bulletin: warning: "), "{line}");
    }
    let dir = temp_with(&[("empty.txt", b"")]);
    let empty = dir.path().join("empty.txt");
    let (_, _, err) = run(&["classify", s(&empty)]);
    assert!(err.starts_with("bulletin: note: "), "{err}");
    let (code, _, err) = run(&["classify", "-q", s(&empty)]);
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn verbose_reports_each_input_and_the_time() {
    let (code, _, err) = run(&["split", "-v", PAGE, "data/samples/page-2.txt"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("bulletin: note: data/samples/page-1.txt (UTF-8): 7 pieces read"), "{err}");
    assert!(err.contains("data/samples/page-2.txt (UTF-8): "), "{err}");
    assert!(err.lines().last().is_some_and(|l| l.starts_with("bulletin: note: finished in ")), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Tables.

#[test]
fn one_piece_is_one_piece() {
    let dir = temp_with(&[("one.txt", "# 高新区新认定高企61家\n\n今年全区新认定国家高新技术企业61家。\n".as_bytes())]);
    let (code, out, err) = run(&["classify", s(&dir.path().join("one.txt"))]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&format!("{} (UTF-8): 1 piece\n", s(&dir.path().join("one.txt")))), "{out}");
    let (_, out, _) = run(&["split", s(&dir.path().join("one.txt"))]);
    assert!(out.contains("): 1 piece\n"), "{out}");
}

/// Regression: at paragraph granularity every row of an article repeated its title.
#[test]
fn paragraph_rows_show_their_section_and_opening_text() {
    let (code, out, err) = run(&["classify", "-g", "paragraph", PAGE]);
    assert_eq!(code, 0, "{err}");
    let header = out.lines().nth(1).unwrap();
    for column in ["section", "text", "theme", "confidence", "tags"] {
        assert!(header.contains(column), "{header}");
    }
    assert!(!header.contains("title"), "{header}");
    assert!(out.contains("本报讯 4月22日上午"), "{out}");
    assert_eq!(out.matches("盐城高新区：储能与光伏").count(), 0, "{out}");
    // Article 2's paragraphs sit in sections.
    assert!(out.lines().any(|l| l.contains("(2.0)") && l.contains("一个难题牵出一…") && l.contains("2021年冬天")), "{out}");
}

/// Regression: `--explain K` was silently dropped from table output.
#[test]
fn explain_shows_the_features_in_tables() {
    let (code, out, err) = run(&["classify", "--explain", "2", PAGE]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().nth(1).unwrap().trim_end().ends_with("why"), "{out}");
    // Two features per piece, each with its signed contribution.
    let signed = out.lines().filter(|l| l.split_whitespace().last().is_some_and(|w| w.starts_with('+') || w.starts_with('-'))).count();
    assert_eq!(signed, 7 * 2, "{out}");
}

#[test]
fn tables_end_with_the_count_per_theme() {
    let (code, out, err) = run(&["classify", PAGE]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().last().unwrap(), "per theme: 招商引资 1, 高企培育 1, 科技金融 1, 成果转化 1, 其他 3");
    let (code, out, err) = run(&["classify", "-g", "paragraph", "--min-confidence", "0.95", PAGE]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().last().unwrap(), "per theme: 招商引资 3, 高企培育 1, 科技金融 3, 成果转化 4, 其他 6 (1 abstained)");
    // The abstained piece keeps its best guess in view.
    assert!(out.contains("其他 (? 成果转化 0.82)"), "{out}");
}

#[test]
fn piped_tables_are_plain_and_not_cut() {
    let (code, out, err) = run(&["classify", "-g", "paragraph", "--explain", "1", PAGE]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains(['┌', '│', '┆', '═', '─']), "{out}");
    assert!(!out.contains('\u{1b}'), "{out}");
    // One line per row: wider than 120 columns, never wrapped.
    let widest = out.lines().map(unicode_width).max().unwrap();
    assert!(widest > 120, "{widest}");
    assert_eq!(out.lines().filter(|l| l.contains("███")).count(), 17);
    assert!(out.lines().all(|l| l == l.trim_end()), "trailing blanks");
}

/// Display columns, CJK counting two.
fn unicode_width(line: &str) -> usize {
    line.chars().map(|c| if ('\u{2e80}'..='\u{9fff}').contains(&c) || ('\u{ff00}'..='\u{ff60}').contains(&c) { 2 } else { 1 }).sum()
}

// ---------------------------------------------------------------------------------------------
// Colour.

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let coloured = |out: &str| out.contains("\u{1b}[");
    let (_, out, _) = run(&["classify", PAGE]);
    assert!(!coloured(&out), "piped output is plain");
    let (_, out, _) = run(&["classify", "--color", "always", PAGE]);
    assert!(coloured(&out));
    assert!(out.contains("\u{1b}[34m招商引资\u{1b}[0m"), "{out}");
    let (_, out, _) = output(bulletin().env("CLICOLOR_FORCE", "1").args(["classify", PAGE]));
    assert!(coloured(&out));
    let (_, out, _) = output(bulletin().env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1").args(["classify", PAGE]));
    assert!(!coloured(&out));
    let (_, out, _) = output(bulletin().env("CLICOLOR_FORCE", "1").args(["classify", "--color", "never", PAGE]));
    assert!(!coloured(&out));
    // Diagnostics: the prefix and the kind are coloured, the message is not.
    let (code, _, err) = run(&["classify", "--color", "always", "no-such-page.txt"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("\u{1b}[1mbulletin:\u{1b}[0m \u{1b}[1m\u{1b}[31merror\u{1b}[0m: "), "{err:?}");
}

/// Colour codes come from us only: an escape sequence in a title is still shown escaped.
#[test]
fn coloured_tables_still_escape_control_characters() {
    let dir = temp_with(&[("esc.txt", "# 标题\u{1b}[2J招商引资项目签约\n\n园区招商引资项目集中签约，总投资62亿元。\n".as_bytes())]);
    let (code, out, err) = run(&["classify", "--color", "always", s(&dir.path().join("esc.txt"))]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("标题\\x1b[2J"), "{out}");
    assert!(!out.contains("\u{1b}[2J"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Completions and the man page.

#[test]
fn completions_name_every_subcommand() {
    let subcommands = subcommands();
    assert!(subcommands.len() >= 14, "{subcommands:?}");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, out, err) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(!out.trim().is_empty(), "{shell}");
        for name in &subcommands {
            assert!(out.contains(name.as_str()), "{shell} completions lack {name}");
        }
        assert!(out.contains("min-confidence"), "{shell} completions lack classify's flags");
    }
    let (code, _, _) = run(&["completions", "tcsh"]);
    assert_eq!(code, 2);
}

#[test]
fn the_man_page_is_roff_listing_the_subcommands() {
    let (code, out, err) = run(&["man"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.iter().any(|l| l.starts_with(".TH bulletin ")), "no title macro");
    // Every line is a request (`.XX`), a comment (`.\"`) or text; requests are known man macros.
    for line in &lines {
        if let Some(request) = line.strip_prefix('.') {
            let name = request.split_whitespace().next().unwrap_or("");
            assert!(
                [
                    "TH", "SH", "SS", "TP", "PP", "LP", "P", "IP", "RS", "RE", "B", "I", "BR", "IR", "RB", "br", "sp", "ie", "el", "nf",
                    "fi", "\\\""
                ]
                .contains(&name),
                "unknown request: {line}"
            );
        }
    }
    let start = lines.iter().position(|l| *l == ".SH SUBCOMMANDS").expect("a SUBCOMMANDS section");
    let section = lines[start..].join("\n");
    for name in subcommands() {
        let name = name.replace('-', "\\-");
        assert!(section.contains(&format!("bulletin {name}\n")), "the SUBCOMMANDS list lacks {name}");
        assert!(!section.contains(&format!("bulletin\\-{name}(1)")), "a pointer to a page that is not installed: {name}");
        // Each command has a section of its own with its synopsis and every flag.
        let title = format!(".SH \"BULLETIN {}\"", name.to_uppercase());
        assert!(lines.contains(&title.as_str()), "no section {title}");
    }
    let classify = out.split(".SH \"BULLETIN CLASSIFY\"").nth(1).unwrap().split("\n.SH ").next().unwrap();
    for flag in ["\\-\\-min\\-confidence", "\\-\\-explain", "\\-\\-sort", "\\-m"] {
        assert!(classify.contains(flag), "the classify section lacks {flag}");
    }
}

/// The subcommands `bulletin --help` lists (whatever this build has).
fn subcommands() -> Vec<String> {
    let (_, help, _) = run(&["--help"]);
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_readme_says_how_to_install_completions_and_the_man_page() {
    let readme = std::fs::read_to_string(Path::new(&root()).join("README.md")).unwrap();
    assert!(readme.contains("bulletin completions bash"));
    assert!(readme.contains("bulletin man"));
}

// ---------------------------------------------------------------------------------------------
// Progress bars.

/// Progress bars are for terminals: piped stderr (logs, CI) gets none of their redraws.
#[test]
fn progress_bars_stay_off_pipes() {
    let (code, _, err) = run(&["audit", "--folds", "2", "--data", "data/samples/zone/labelled.jsonl", "-n", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("auditing") && !err.contains('\r') && !err.contains('\u{1b}'), "{err:?}");
}

// ---------------------------------------------------------------------------------------------
// --version.

#[test]
fn version_names_the_commit_and_the_embedded_model() {
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, 0);
    let first = out.lines().next().unwrap();
    let commit = first.strip_prefix(concat!("bulletin ", env!("CARGO_PKG_VERSION"), " (commit ")).and_then(|r| r.strip_suffix(')'));
    assert!(commit.is_some_and(|c| c == "unknown" || (c.len() == 12 && c.chars().all(|c| c.is_ascii_hexdigit()))), "{first}");
    assert!(out.contains("embedded model: multinomial trained by bulletin "), "{out}");
    assert!(out.contains("on 2776 records"), "{out}");
    assert!(out.contains("training pieces per theme: investment "), "{out}");
    // -V is the first line only.
    let (_, short, _) = run(&["-V"]);
    assert_eq!(short.trim_end(), first);
}

/// `split` and `segment` tables at paragraph granularity do not repeat the article's title either.
#[test]
fn split_and_segment_paragraph_rows_show_sections_not_titles() {
    let (code, out, err) = run(&["split", "-g", "paragraph", PAGE]);
    assert_eq!(code, 0, "{err}");
    let header: Vec<&str> = out.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(header, ["#", "article", "para", "section", "kind", "chars", "text"]);
    assert!(!out.contains("从实验台到生产线"), "{out}");
    let (code, out, err) = run(&["segment", "-g", "paragraph", PAGE]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().nth(1).unwrap().split_whitespace().collect::<Vec<_>>(), ["#", "section", "tokens", "features"]);
    assert!(out.lines().any(|l| l.starts_with(" 6 ") && l.contains("一个难题牵出一段合作")), "{out}");
    let (_, out, _) = run(&["segment", PAGE]);
    assert_eq!(out.lines().nth(1).unwrap().split_whitespace().nth(1), Some("title"));
}

/// `audit` and `suggest` tables colour theme ids; ids and paths from the data stay escaped
/// (they used to reach the terminal as they were).
#[test]
fn audit_tables_colour_themes_and_escape_ids() {
    let labelled = std::fs::read_to_string(root().join("data/samples/zone/labelled.jsonl")).unwrap();
    let dir = temp_with(&[("labelled.jsonl", labelled.replace("\"train-a-008\"", "\"train-a-008\\u001b[2J\"").as_bytes())]);
    let data = dir.path().join("labelled.jsonl");
    let (code, out, err) = run(&["audit", "--data", s(&data), "-n", "0", "--color", "always"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("train-a-008\\x1b[2J"), "{out}");
    assert!(!out.contains("\u{1b}[2J"), "{out}");
    assert!(out.contains("\u{1b}[35mfinancing\u{1b}[0m"), "{out}");
    let (_, out, _) = run(&["audit", "--data", s(&data), "-n", "0"]);
    assert!(!out.contains('\u{1b}'), "{out}");
    let (code, out, err) =
        run(&["suggest", "data/samples/page-1.txt", "-n", "2", "-o", s(&dir.path().join("drafts.jsonl")), "--color", "always"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().skip(1).all(|l| l.contains("\u{1b}[") || l.contains(" other ")), "{out}");
}

#[test]
fn a_terminal_without_a_size_gets_readable_tables() {
    // `script` gives the program a pseudo-terminal that reports 0 columns, as some CI consoles and
    // serial lines do: the table must not squeeze every column to one character.
    let bin = assert_cmd::cargo::cargo_bin("bulletin");
    let command = format!("'{}' classify --color never data/samples/page-1.txt", bin.display());
    // `script` is util-linux's, in Debian's essential bsdutils package.
    let out = std::process::Command::new("script")
        .current_dir(root())
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .output()
        .expect("script (util-linux) runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains('┌'), "a terminal gets a boxed table: {text}");
    assert!(text.lines().any(|l| l.contains("一项专利换来900万元贷款") && l.contains("科技金融")), "{text}");
}

#[test]
fn a_stderr_nobody_reads_loses_the_messages_not_the_run() {
    // `bulletin … 2>&1 | head -1`: the reader is gone before the messages are written. Writing
    // them fails with EPIPE; that must not panic (exit 101) or change the run's own exit code.
    let bin = assert_cmd::cargo::cargo_bin("bulletin");
    for (args, code) in [("classify no-such-page.txt", 1), ("classify data/samples/page-1.txt -v", 0)] {
        let script = format!("'{}' {args} 2>&1 >/dev/null | (exec 0<&-; sleep 1); exit ${{PIPESTATUS[0]}}", bin.display());
        let out = std::process::Command::new("bash").current_dir(root()).args(["-c", &script]).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{args}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
