//! The timeline tool on recorded captures (tests/fixtures: nine runs of scripts/trace.sh, each
//! with the timeline trace.sh printed when awk built it). No root needed: nothing is traced here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Each recorded capture's folder, and the variant its name ends in (`tcp-python`: python).
fn captures() -> Vec<(PathBuf, String)> {
    let mut captures = Vec::new();
    for exchange in ["tcp", "udp", "http"] {
        for variant in ["full", "minimal", "python"] {
            captures.push((fixtures().join(format!("{exchange}-{variant}")), variant.to_string()));
        }
    }
    captures
}

fn timeline(args: &[&str], capture: &Path) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_timeline")).args(args).arg(capture).output();
    output.expect("run the timeline tool")
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).expect("a timeline in UTF-8")
}

#[test]
fn each_recorded_capture_gives_the_very_timeline_trace_sh_printed_for_it() {
    for (capture, variant) in captures() {
        let expected = std::fs::read_to_string(capture.join("expected-timeline"));
        let expected = expected.expect("tests/fixtures/*/expected-timeline");
        let printed = stdout(&timeline(&["--variant", &variant], &capture));
        if printed != expected {
            let mut lines = printed.lines().zip(expected.lines()).enumerate();
            let Some((n, (printed, expected))) = lines.find(|(_, (line, wanted))| line != wanted)
            else {
                let counts = (printed.lines().count(), expected.lines().count());
                panic!("{}: {} lines printed, {} expected", capture.display(), counts.0, counts.1);
            };
            let line = n + 1;
            panic!(
                "{}, line {line}:\nprinted  {printed:?}\nexpected {expected:?}",
                capture.display()
            );
        }
    }
}

#[test]
fn the_events_are_the_timelines_lines_in_the_same_order() {
    for (capture, variant) in captures() {
        let printed = stdout(&timeline(&["--variant", &variant], &capture));
        let events = stdout(&timeline(&["--events"], &capture));
        // A timeline's line without its notes and summary: `+T ms  WHO  [thread N] TEXT`.
        let shown: Vec<&str> =
            printed.lines().filter(|line| line.trim_start().starts_with('+')).collect();
        let events: Vec<Vec<&str>> =
            events.lines().map(|line| line.split('\t').collect()).collect();
        assert_eq!(shown.len(), events.len(), "{}", capture.display());
        for (line, fields) in shown.iter().zip(&events) {
            let [ms, who, thread, kind, name, _fd, result, text] = fields[..] else {
                panic!("{}: 8 fields in {fields:?}", capture.display());
            };
            let tag = if thread == "1" || thread == "-" {
                String::new()
            } else {
                format!("[thread {thread}] ")
            };
            assert_eq!(*line, format!("{:>12}  {who:<6}  {tag}{text}", format!("+{ms} ms")));
            assert!(["call", "start", "return", "packet"].contains(&kind), "{fields:?}");
            assert!(text.starts_with(name) || who == "wire", "{fields:?}");
            assert_eq!(result == "-", kind == "start" || kind == "packet", "{fields:?}");
        }
    }
}

#[test]
fn a_usage_error_says_the_usage_and_exits_2() {
    for args in [&["--variant", "perl"][..], &["--frobnicate"], &[]] {
        let output = Command::new(env!("CARGO_BIN_EXE_timeline")).args(args).output();
        let output = output.expect("run the timeline tool");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("usage: timeline "), "{args:?}");
    }
}

#[test]
fn a_capture_that_cannot_be_read_is_one_line_naming_the_file_and_exit_1() {
    let output = timeline(&[], &fixtures().join("no-such-capture"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("timeline: cannot read ") && stderr.contains("no-such-capture/calls")
    );
}
