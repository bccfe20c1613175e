//! scripts/pitfalls.sh shows each of the notebook's mistakes happen to the notebook's own code,
//! and not to ours. Each section is a test of its own: it passes when the script says `ok:` for
//! it, and skips, saying why, only where the script said `skipped:` (a missing peer, or root).

mod common;

use common::*;
use std::process::Command;

/// Run one section of scripts/pitfalls.sh, and check its verdict.
fn pitfall(name: &str) {
    let mut command = Command::new("bash");
    command.arg(workspace_root().join("scripts/pitfalls.sh")).arg(name);
    let output = run(command, None);
    let transcript = output.stdout_text();
    let verdict =
        |word: &str| transcript.lines().any(|line| line.starts_with(&format!("{word}: {name}:")));
    if let Some(reason) = transcript.lines().find_map(|line| line.strip_prefix("skipped: ")) {
        assert_eq!(output.code(), Some(0), "{transcript}");
        return skip(&format!("pitfalls.sh {reason}"));
    }
    assert!(
        verdict("ok") && !verdict("FAILED"),
        "pitfalls.sh {name}:\n{transcript}{}",
        output.stderr
    );
    // One screen: its title line, what it shows, and its verdict fit in 36 lines.
    let lines = transcript.lines().skip_while(|line| !line.starts_with(&format!("## {name}:")));
    let shown = lines.take_while(|line| !line.starts_with(&format!("ok: {name}:"))).count() + 1;
    assert!(
        shown <= 36,
        "pitfalls.sh {name} takes {shown} lines, more than a screen:\n{transcript}"
    );
    assert_eq!(output.code(), Some(0), "pitfalls.sh {name}:\n{transcript}");
}

#[test]
fn one_recv_of_4096_bytes_cuts_a_reply_short_and_ours_reads_it_all() {
    pitfall("recv");
}

#[test]
fn one_recv_of_4096_bytes_returns_at_most_4096_and_ours_reads_on() {
    pitfall("recv-4096");
}

#[test]
fn recvfrom_of_4096_bytes_drops_the_end_of_a_longer_datagram_and_ours_does_not() {
    pitfall("recvfrom");
}

#[test]
fn the_notebooks_udp_client_waits_forever_and_ours_gives_up_after_2_s() {
    pitfall("no-timeout");
}

#[test]
fn nginx_answers_the_notebooks_request_400_and_ours_200() {
    pitfall("no-host");
}

#[test]
fn a_spanish_datagram_kills_the_notebooks_udp_server_and_not_ours() {
    pitfall("ascii");
}

#[test]
fn clients_waiting_when_the_notebooks_server_stops_are_reset_and_ours_greets_them_all() {
    pitfall("backlog");
}

#[test]
fn binding_to_gethostname_meets_no_client_and_ours_does() {
    pitfall("gethostname");
}

#[test]
fn the_notebooks_server_cannot_restart_at_once_and_ours_can() {
    pitfall("reuse");
}

#[test]
fn a_reset_makes_nc_lose_the_greeting_and_ours_keeps_it_and_says_so() {
    pitfall("reset");
}

#[test]
fn the_notebooks_udp_client_takes_an_impostors_datagram_and_ours_does_not() {
    pitfall("impostor");
}

#[test]
fn a_server_that_takes_each_recv_for_a_line_answers_wrong_and_ours_reads_lines() {
    pitfall("framing");
}

#[test]
fn a_lesson_run_against_a_broken_program_of_ours_fails_for_that_reason_and_exits_1() {
    // A learner's edit, in a copy of the workspace: minimal-tcp-client stops after 5000 bytes.
    // Only one check of the recv lesson then fails, and that one must fail the lesson.
    let copy = TempDir::new("pitfalls-broken");
    copy_workspace(&workspace_root(), &copy.0);
    let client = copy.0.join("tcp-client/examples/minimal-tcp-client.rs");
    let source = std::fs::read_to_string(&client).expect("read");
    let (all, five_thousand) =
        ("io::copy(&mut stream,", "io::copy(&mut io::Read::take(&stream, 5000),");
    assert!(source.contains(all), "the line to break is in {source}");
    std::fs::write(&client, source.replace(all, five_thousand)).expect("write");
    let mut command = Command::new("bash");
    command.arg(copy.0.join("scripts/pitfalls.sh")).arg("recv");
    command.env("CARGO_TARGET_DIR", copy.0.join("target"));
    let output = run(command, None);
    let transcript = output.stdout_text();
    let failed: Vec<&str> = transcript.lines().filter(|line| line.starts_with("FAILED")).collect();
    let expected = ["FAILED: recv: ours should have printed all 6000 bytes", "FAILED: recv"];
    assert_eq!(failed, expected, "{transcript}{}", output.stderr);
    assert!(!transcript.contains("ok: recv"), "{transcript}");
    assert_eq!(output.code(), Some(1), "{transcript}");
}

#[test]
fn an_unknown_section_is_a_usage_error() {
    let mut command = Command::new("bash");
    command.arg(workspace_root().join("scripts/pitfalls.sh")).arg("no-such-mistake");
    let output = run(command, None);
    assert_eq!(output.code(), Some(2));
    assert!(
        output.stdout_text().contains("usage: scripts/pitfalls.sh"),
        "{}",
        output.stdout_text()
    );
}
