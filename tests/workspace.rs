//! The workspace keeps its promises: std only, one standalone crate per program, each program
//! short enough to read in one sitting, and the demo shows every pair talking.

mod common;

use common::*;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The programs of the workspace, each a folder with Cargo.toml and src/main.rs.
const PROGRAMS: &[&str] = &["tcp-client", "tcp-server", "udp-client", "udp-server", "http-get"];

fn read(relative: &str) -> String {
    let path = workspace_root().join(relative);
    fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}

/// Run one of scripts/, and return what it left with its transcript (stdout) as text.
fn script(name: &str, args: &[&str]) -> (Output, String) {
    let mut command = Command::new("bash");
    command.arg(workspace_root().join("scripts").join(name)).args(args);
    let output = run(command, None);
    let transcript = output.stdout_text();
    (output, transcript)
}

/// The demo, as root in a network namespace of its own. It shows a connection refused on the
/// port its server has just freed; here no test running beside it can be handed that port in
/// between (and have its connection taken). Without root the demo runs as it is.
fn isolated_demo(workspace: &Path, target_dir: Option<&Path>) -> (Output, String) {
    let demo = workspace.join("scripts/demo.sh");
    let isolate = is_root() && have("unshare") && have("ip");
    let mut command = Command::new(if isolate { "unshare" } else { "bash" });
    if isolate {
        command.args(["--net", "bash", "-c", r#"ip link set lo up && exec bash "$0""#]);
    }
    command.arg(demo);
    if let Some(target_dir) = target_dir {
        command.env("CARGO_TARGET_DIR", target_dir);
    }
    let output = run(command, None);
    let transcript = output.stdout_text();
    (output, transcript)
}

fn is_root() -> bool {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"))
}

/// Whether process `pid` is alive (a zombie, exited but not yet reaped, is not).
fn alive(pid: &str) -> bool {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z'))
}

/// Run `script` in bash, expecting the test harness to fail it; return the pids it wrote.
fn pids_of_a_failing_run(script: &str, deadline: Duration) -> Vec<String> {
    let folder = TempDir::new("harness");
    let pids = folder.0.join("pids");
    let failed = std::panic::catch_unwind(|| {
        let mut command = Command::new("bash");
        command.args(["-c", script, "bash"]).arg(&pids);
        run_within(deadline, command, None)
    });
    assert!(failed.is_err(), "the harness let `{script}` pass");
    let pids = fs::read_to_string(&pids).expect("the script wrote its pids");
    pids.split_whitespace().map(String::from).collect()
}

#[test]
fn a_program_that_leaves_a_process_behind_fails_and_the_process_is_stopped() {
    let pids = pids_of_a_failing_run(r#"sleep 300 & echo $! > "$1""#, DEADLINE);
    assert_eq!(pids.len(), 1);
    assert!(!alive(&pids[0]), "the sleep it left behind still runs");
}

#[test]
fn a_hung_program_is_stopped_at_its_deadline_with_all_it_started() {
    let started = std::time::Instant::now();
    let script = r#"sleep 300 & echo $! $$ > "$1"; sleep 300"#;
    let pids = pids_of_a_failing_run(script, Duration::from_millis(500));
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert_eq!(pids.len(), 2);
    for pid in pids {
        assert!(!alive(&pid), "process {pid} outlived the deadline");
    }
}

/// The workspace's members, as its Cargo.toml lists them.
fn members() -> Vec<String> {
    let manifest = read("Cargo.toml");
    let list = manifest.lines().find_map(|line| line.strip_prefix("members = [")).expect("members");
    list.trim_end_matches(']').split(", ").map(|member| member.trim_matches('"').into()).collect()
}

#[test]
fn no_manifest_declares_any_dependency() {
    let members = members();
    assert!(members.iter().any(|member| member == "scripts/tools"), "{members:?}");
    for manifest in members.iter().map(|p| format!("{p}/Cargo.toml")).chain(["Cargo.toml".into()]) {
        for line in read(&manifest).lines() {
            let line = line.trim();
            assert!(
                !(line.starts_with('[') && line.contains("dependencies")),
                "{manifest}: {line}"
            );
        }
    }
}

#[test]
fn each_program_is_a_standalone_package() {
    for program in PROGRAMS {
        let manifest = read(&format!("{program}/Cargo.toml"));
        assert!(manifest.contains(&format!("name = \"{program}\"")), "{program}: name");
        assert!(manifest.contains("edition = \"2024\""), "{program}: edition 2024");
        assert!(manifest.contains("publish = false"), "{program}: publish = false");
        assert!(!manifest.contains("workspace = true"), "{program}: inherits from the workspace");
    }
}

#[test]
fn each_program_reads_in_one_sitting() {
    for program in PROGRAMS {
        let source = read(&format!("{program}/src/main.rs"));
        let lines = source.lines().count();
        // The budget is for the socket story, the lines above `// ---- Command line`: the
        // argument parsing below it is plumbing. http-get frames bodies, and gets more.
        let (story_budget, file_budget) =
            if *program == "http-get" { (280, 380) } else { (180, 260) };
        let story = source.lines().position(|line| line.starts_with("// ---- Command line"));
        let story = story.unwrap_or_else(|| panic!("{program}: no `// ---- Command line` section"));
        assert!(
            story <= story_budget,
            "{program}: the story is {story} lines, over {story_budget}"
        );
        assert!(
            lines <= file_budget,
            "{program}/src/main.rs has {lines} lines, over {file_budget}"
        );
        assert!(source.starts_with(&format!("//! {program}: ")), "{program}: a //! header first");
        assert!(source.contains("cargo run -p"), "{program}: the header says how to try it");
        for panicky in [".unwrap()", ".expect(", "panic!("] {
            assert!(!source.contains(panicky), "{program} uses {panicky}");
        }
    }
}

#[test]
fn each_minimal_program_is_the_notebooks_cell_in_under_40_lines() {
    for program in PROGRAMS {
        let path = format!("{program}/examples/minimal-{program}.rs");
        let source = read(&path);
        let lines = source.lines().count();
        assert!(lines < 40, "{path} has {lines} lines; it must stay under 40");
        let header = source.lines().take_while(|line| line.starts_with("//!")).count();
        assert!((2..=4).contains(&header), "{path}: a //! header of 2 to 4 lines, not {header}");
        assert!(source.starts_with("//! The notebook's "), "{path}: its header names the cell");
        assert!(source.contains(&format!("cargo run --example minimal-{program}")), "{path}");
        for panicky in [".unwrap()", ".expect(", "panic!(", "fn main() -> io::Result", "-> Result<"]
        {
            assert!(!source.contains(panicky), "{path} uses {panicky}");
        }
        let full = read(&format!("{program}/src/main.rs"));
        assert!(full.contains(&format!("examples/minimal-{program}.rs")), "{program} names it");
    }
}

#[test]
fn a_program_folder_copied_out_of_the_repository_builds_on_its_own() {
    for program in PROGRAMS {
        let copy = TempDir::new(&format!("copy-{program}"));
        let from = workspace_root().join(program);
        copy_workspace(&from, &copy.0); // Cargo.toml, src/main.rs and the minimal example
        let mut command = Command::new(env!("CARGO"));
        command.args(["build", "--quiet", "--offline", "--bins", "--examples"]);
        command.current_dir(&copy.0).env("CARGO_TARGET_DIR", copy.0.join("target"));
        let output = run(command, None);
        assert_eq!(output.code(), Some(0), "{program} alone: {}", output.stderr);
        assert!(copy.0.join("target/debug").join(program).exists(), "{program}: no binary");
        let example = copy.0.join(format!("target/debug/examples/minimal-{program}"));
        assert!(example.exists(), "{program}: no minimal example");
    }
}

#[test]
fn the_demo_shows_each_pair_talking() {
    let (output, transcript) = isolated_demo(&workspace_root(), None);
    assert_eq!(output.code(), Some(0), "demo failed:\n{transcript}{}", output.stderr);
    for expected in [
        "$ minimal-tcp-server 127.0.0.1 0 &",
        "$ minimal-tcp-client 127.0.0.1 ",
        "Gracias por conectarte\n    server: Conexión aceptada desde 127.0.0.1:",
        "(minimal-tcp-server exited with status 0)",
        "$ minimal-udp-client 127.0.0.1 ",
        "Aquí va mi respuesta para 127.0.0.1.\n    server: Hola, simplemente te estoy enviando",
        "the notebook's message, in English",
        "$ tcp-server --clients 4 127.0.0.1 0 &",
        "Thanks for connecting\nhello\n",
        "$ tcp-client --send hello 127.0.0.1 ",
        "after echoing 5 bytes",
        "(tcp-server exited with status 0)",
        "Connection refused",
        "$ printf 'one\\ntwo\\nthree\\n' | udp-client 127.0.0.1 ",
        "Here is my reply for 127.0.0.1.\nreply from",
        "    server: from 127.0.0.1:",
        ": three\n",
        "(udp-server exited with status 0)",
        "udp-client: nothing listens on 127.0.0.1:",
        "http-get: https needs TLS",
        "scripts/trace.sh tcp",
        "scripts/pitfalls.sh",
        "scripts/exercise.sh",
    ] {
        assert!(transcript.contains(expected), "missing {expected:?} in:\n{transcript}");
    }
    if ipv6_loopback_works() {
        assert!(transcript.contains("hello over IPv6\n"), "no IPv6 pair in:\n{transcript}");
        assert!(!transcript.contains("no IPv6 loopback"), "{transcript}");
    }
    if have("python3") {
        let fetched = "/Cargo.toml\n[package]\nname = \"http-get\"\n";
        assert!(transcript.contains(fetched), "no page fetched in:\n{transcript}");
        assert!(transcript.contains("http-get: HTTP/1.0 404 File not found"), "{transcript}");
        let minimal_get = "$ minimal-http-get 127.0.0.1 ";
        assert!(transcript.contains(minimal_get), "{transcript}");
        assert!(transcript.contains(" | sed -n 1p\nHTTP/1.0 200 OK"), "{transcript}");
    }
    eprintln!("demo took {:?}", output.elapsed);
}

#[test]
fn the_demo_and_two_hosts_run_from_a_fresh_clone_with_cargo_target_dir_elsewhere() {
    // Many Rust users set CARGO_TARGET_DIR globally: cargo then builds outside the clone.
    let (clone, elsewhere) = (TempDir::new("clone"), TempDir::new("target-elsewhere"));
    copy_workspace(&workspace_root(), &clone.0);
    let (output, transcript) = isolated_demo(&clone.0, Some(&elsewhere.0));
    assert_eq!(output.code(), Some(0), "demo failed:\n{transcript}{}", output.stderr);
    assert!(transcript.contains("Thanks for connecting\nhello\n"), "{transcript}");
    assert!(transcript.contains("(udp-server exited with status 0)"), "{transcript}");
    assert!(!clone.0.join("target").exists(), "cargo built into the clone after all");
    assert!(elsewhere.0.join("debug/tcp-server").exists(), "nothing built in CARGO_TARGET_DIR");

    let mut command = Command::new("bash");
    command.arg(clone.0.join("scripts/two-hosts.sh")).env("CARGO_TARGET_DIR", &elsewhere.0);
    let output = run(command, None);
    let transcript = output.stdout_text();
    assert_eq!(output.code(), Some(0), "two-hosts failed:\n{transcript}{}", output.stderr);
    if let Some(reason) = transcript.lines().find(|line| line.starts_with("skipped: ")) {
        return skip(reason.trim_start_matches("skipped: "));
    }
    assert!(transcript.contains("all checks passed across the link"), "{transcript}");
}

#[test]
fn every_pair_works_across_two_hosts_or_the_script_says_why_it_skipped() {
    let (output, transcript) = script("two-hosts.sh", &[]);
    assert_eq!(output.code(), Some(0), "two-hosts failed:\n{transcript}{}", output.stderr);
    if let Some(reason) = transcript.lines().find(|line| line.starts_with("skipped: ")) {
        return skip(reason.trim_start_matches("skipped: "));
    }
    assert!(transcript.contains("all checks passed across the link"), "{transcript}");
    assert!(!transcript.contains("FAILED"), "{transcript}");
    assert_eq!(transcript.matches("    ok\n").count(), 14, "every check ran:\n{transcript}");
}

#[test]
fn the_benchmark_runs_every_row_and_gets_the_bytes_right() {
    if !Path::new("/usr/bin/time").exists() {
        return skip("/usr/bin/time is not installed (Debian: time), and bench.sh needs it");
    }
    let (output, transcript) = script("bench.sh", &["--quick"]);
    assert_eq!(output.code(), Some(0), "bench.sh --quick failed:\n{transcript}{}", output.stderr);
    assert!(!transcript.contains("WRONG"), "{transcript}");
    for row in [
        "| http-get ",
        "| tcp-client -> tcp-server ",
        "| tcp-server: connect",
        "| udp-server, 16 datagrams in flight, vs the notebook's",
        "| udp-server, 16 datagrams in flight, vs a bare",
        "| lines-server, pipelined lines, vs a bare",
        "| chat-server: one line to 100 clients",
    ] {
        let line = transcript.lines().find(|line| line.starts_with(row));
        let line = line.unwrap_or_else(|| panic!("no row {row:?} in:\n{transcript}"));
        assert!(line.contains("| ok (quick") || line.contains("skipped: needs"), "{line}");
    }
}
