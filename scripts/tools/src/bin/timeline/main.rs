//! The timeline builder of scripts/trace.sh: a tool, not one of the lessons. trace.sh captures one
//! exchange into a folder (strace following both sides, tcpdump on loopback), then runs
//!
//!     timeline --variant full|minimal|python CAPTURE   the timeline, notes and summary, as
//!                                                      trace.sh prints them
//!     timeline --events CAPTURE                        the timeline's lines as data, for tests
//!
//! CAPTURE is a folder holding `calls` (strace -f -ttt -T), `packets` (tcpdump -tt -nn -X),
//! `server.pid` and `client.pid` (the two processes strace started from) and `port` (the one the
//! server bound). The timeline has one line per event, in time order: `+T ms  WHO  EVENT`, WHO
//! being client, server or wire. A socket call during which packets went by shows twice: where it
//! started, and where it returned. A `#` note under a line says what it teaches (the table NOTES,
//! in notes.rs); a few sentences at the end say what the whole exchange showed (story.rs).
//! `--variant` says which programs trace.sh ran, so that the last sentence suggests the others.
//!
//! `--events` prints the same lines without the notes, one a line, in tab-separated fields:
//! ms (since the first event), who, thread (1, 2, ...), kind (`call`: returned with no packet
//! during it, shown once; `start` and `return`: the two lines of a call that packets went by
//! during; `packet`), name (the call's, or the packet's kind: SYN, SYN-ACK, ACK, FIN, RST, data,
//! datagram), fd, result, and the text the timeline shows. A field with nothing to say is `-`.
//!
//! Usage errors exit 2; a capture that cannot be read ends it with one line on stderr, exit 1.
//! Lines of the capture it cannot make sense of are skipped.

mod narrate;
mod notes;
mod numbers;
mod story;
mod strace;
mod tcpdump;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Who an event is from: one of the two sides, or the wire between them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Who {
    Server,
    Client,
    Wire,
}

impl Who {
    pub fn name(self) -> &'static str {
        match self {
            Who::Server => "server",
            Who::Client => "client",
            Who::Wire => "wire",
        }
    }
}

/// What kind of IP socket a call is on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Protocol {
    Tcp,
    Udp,
}

/// A moment, in microseconds since 1970: strace's and tcpdump's clocks, to the microsecond they
/// print. Whole numbers, so that sums and differences are exact.
pub type Micros = i64;

/// What the capture folder holds.
struct Capture {
    calls: String,
    packets: String,
    server: u32,
    client: u32,
    port: u16,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_args(&args) {
        Parsed::Run(options) => options,
        Parsed::Help => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Parsed::Wrong(complaint) => {
            eprintln!("timeline: {complaint}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("timeline: {failure}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    let capture = read_capture(&options.capture)?;
    let calls = strace::socket_calls(&capture.calls, capture.server, capture.client);
    let packets = tcpdump::packets(&capture.packets, capture.port);
    let timeline = narrate::timeline(&calls, &packets, options.variant);
    let text = if options.events { timeline.events() } else { timeline.to_string() };
    // Written at once, and its error said: println! would panic on a closed pipe.
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| format!("cannot write the timeline: {error}"))
}

fn read_capture(folder: &Path) -> Result<Capture, String> {
    Ok(Capture {
        calls: read_text(folder, "calls")?,
        packets: read_text(folder, "packets")?,
        server: read_number(folder, "server.pid")?,
        client: read_number(folder, "client.pid")?,
        port: read_number(folder, "port")?,
    })
}

/// A file of the capture. strace and tcpdump write ASCII; anything else is read as best it can
/// be, so that one odd byte costs one odd character, not the whole timeline.
fn read_text(folder: &Path, name: &str) -> Result<String, String> {
    let path = folder.join(name);
    let bytes =
        fs::read(&path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn read_number<N: std::str::FromStr>(folder: &Path, name: &str) -> Result<N, String> {
    let text = read_text(folder, name)?;
    let path = folder.join(name);
    text.trim()
        .parse()
        .map_err(|_| format!("cannot read {}: {:?} is not a number", path.display(), text.trim()))
}

// ---- Command line: plumbing, kept out of the story above ----

const USAGE: &str = "usage: timeline [--events] [--variant full|minimal|python] CAPTURE_FOLDER";

/// Which programs trace.sh ran: ours in full, our minimal ones, or the notebook's Python.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Variant {
    Full,
    Minimal,
    Python,
}

struct Options {
    events: bool,
    variant: Variant,
    capture: PathBuf,
}

enum Parsed {
    Run(Options),
    Help,
    Wrong(String),
}

fn parse_args(args: &[String]) -> Parsed {
    let mut events = false;
    let mut variant = Variant::Full;
    let mut capture = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Parsed::Help,
            "--events" => events = true,
            "--variant" => {
                variant = match args.next().map(String::as_str) {
                    Some("full") => Variant::Full,
                    Some("minimal") => Variant::Minimal,
                    Some("python") => Variant::Python,
                    _ => return Parsed::Wrong("--variant takes full, minimal or python".into()),
                }
            }
            _ if arg.starts_with('-') => return Parsed::Wrong(format!("unknown option {arg}")),
            _ if capture.is_some() => return Parsed::Wrong(format!("one folder only: {arg}?")),
            _ => capture = Some(PathBuf::from(arg)),
        }
    }
    match capture {
        Some(capture) => Parsed::Run(Options { events, variant, capture }),
        None => Parsed::Wrong("which capture folder?".into()),
    }
}
