//! `compare MODE [--only TEXT] [--out FILE]`: verify every subject on every workload, then
//! (unless MODE is `verify`) time them and measure idle memory; one JSON line per result.
//!
//! MODE: `verify` (no timings; every subject's output checked, memory setups exercised),
//! `quick` (under a minute), `full` (stable medians, about ten minutes).
//! `--only TEXT`: only the workloads whose name contains TEXT (`memory` selects the
//! memory measurements). `--out FILE`: write the JSON lines there instead of stdout.
#![forbid(unsafe_code)]

use std::io::Write;
use std::process::{Command, ExitCode};
use std::rc::Rc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use wswire_compare::data::{Kind, Messages, client_wire, non_ascii_share, server_wire};
use wswire_compare::harness::{Measured, Plan, Role, Subject, measure, quantile};
use wswire_compare::io::{ByteQueue, shared};
use wswire_compare::json::Line;
use wswire_compare::subjects::{
    DECODE_FAILED, IDLE_SUBJECTS, fastwebsockets, input_queue, limits, sans_io, tokio_websockets,
    tungstenite, wswire, yawc,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Verify,
    Quick,
    Full,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Verify => "verify",
            Mode::Quick => "quick",
            Mode::Full => "full",
        }
    }

    /// Payload bytes per iteration for the framing workloads and for deflate.
    fn budgets(self) -> (usize, usize) {
        match self {
            Mode::Verify => (256 << 10, 64 << 10),
            Mode::Quick => (512 << 10, 128 << 10),
            Mode::Full => (2 << 20, 512 << 10),
        }
    }

    /// Idle connections held at once for the per-connection figure.
    fn connections(self) -> usize {
        match self {
            Mode::Verify => 10,
            Mode::Quick => 1_000,
            Mode::Full => 10_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workload {
    DecodeText,
    DecodeBinary,
    EncodeServer,
    EncodeClient,
    Deflate(u32),
}

impl Workload {
    fn name(self) -> String {
        match self {
            Workload::DecodeText => "decode_text".into(),
            Workload::DecodeBinary => "decode_binary".into(),
            Workload::EncodeServer => "encode_server".into(),
            Workload::EncodeClient => "encode_client".into(),
            Workload::Deflate(level) => format!("deflate_l{level}"),
        }
    }

    fn sizes(self) -> &'static [usize] {
        match self {
            Workload::Deflate(_) => &[128, 4 << 10, 64 << 10],
            _ => &[16, 128, 4 << 10, 64 << 10, 1 << 20],
        }
    }
}

const WORKLOADS: [Workload; 6] = [
    Workload::DecodeText,
    Workload::DecodeBinary,
    Workload::EncodeServer,
    Workload::EncodeClient,
    Workload::Deflate(1),
    Workload::Deflate(6),
];

/// Messages per iteration: the payload budget, at least 4 messages and at most 65,536.
fn count_for(size: usize, budget: usize) -> usize {
    (budget / size).clamp(4, 65_536)
}

/// Every subject of a cell, built (untimed) from the cell's messages.
fn subjects(
    workload: Workload,
    msgs: &Rc<Messages>,
    wire_bytes: &mut Vec<(&'static str, Rc<std::cell::Cell<usize>>)>,
) -> Vec<Subject> {
    let s = |name, role, bench| Subject { name, role, bench };
    match workload {
        Workload::DecodeText | Workload::DecodeBinary => {
            let wire = client_wire(msgs, 0xC0FFEE);
            let mut list = decoders(msgs, &wire);
            list.push(s(
                "memcpy",
                Role::Limit,
                limits::memcpy_decoder(input_queue(&wire)),
            ));
            list
        }
        Workload::EncodeServer | Workload::EncodeClient => {
            let client = workload == Workload::EncodeClient;
            let out = || shared(ByteQueue::default());
            // What every subject should write; a client's keys change only the key bytes.
            let wire = if client {
                client_wire(msgs, 1)
            } else {
                server_wire(msgs)
            };
            vec![
                s(
                    "wswire",
                    Role::Wswire,
                    wswire::encoder(msgs.clone(), out(), client),
                ),
                s(
                    "wswire-shared",
                    Role::Extra,
                    wswire::shared_encoder(msgs.clone(), out(), client),
                ),
                s(
                    "tungstenite",
                    Role::Peer,
                    tungstenite::encoder(msgs.clone(), out(), client),
                ),
                s(
                    "tokio-websockets",
                    Role::Peer,
                    tokio_websockets::encoder(msgs.clone(), out(), client),
                ),
                s(
                    "fastwebsockets",
                    Role::Peer,
                    fastwebsockets::encoder(msgs.clone(), out(), client),
                ),
                s(
                    "websocket-sans-io",
                    Role::Peer,
                    sans_io::encoder(msgs.clone(), out(), client),
                ),
                s(
                    "yawc",
                    Role::Peer,
                    yawc::encoder(msgs.clone(), out(), client),
                ),
                s("memcpy", Role::Limit, limits::memcpy_encoder(wire)),
            ]
        }
        Workload::Deflate(level) => {
            let mut cell = |name: &'static str| {
                let c = Rc::new(std::cell::Cell::new(0));
                wire_bytes.push((name, c.clone()));
                c
            };
            let mut list = Vec::new();
            match wswire::deflate(msgs.clone(), level, cell("wswire")) {
                Ok(b) => list.push(s("wswire", Role::Wswire, b)),
                Err(e) => eprintln!("wswire deflate setup failed: {e}"),
            }
            match yawc::deflate(msgs.clone(), level, cell("yawc")) {
                Ok(b) => list.push(s("yawc", Role::Peer, b)),
                Err(e) => eprintln!("yawc deflate setup failed: {e}"),
            }
            list.push(s(
                "zlib-rs",
                Role::Limit,
                limits::zlib(msgs.clone(), level, cell("zlib-rs")),
            ));
            list
        }
    }
}

/// Every decoding subject, reading `wire` and expected to deliver `msgs`.
fn decoders(msgs: &Rc<Messages>, wire: &[u8]) -> Vec<Subject> {
    let s = |name, role, bench| Subject { name, role, bench };
    let q = || input_queue(wire);
    vec![
        s("wswire", Role::Wswire, wswire::decoder(msgs.clone(), q())),
        s(
            "tungstenite",
            Role::Peer,
            tungstenite::decoder(msgs.clone(), q()),
        ),
        s(
            "tokio-websockets",
            Role::Peer,
            tokio_websockets::decoder(msgs.clone(), q()),
        ),
        s(
            "fastwebsockets",
            Role::Peer,
            fastwebsockets::decoder(msgs.clone(), q()),
        ),
        s(
            "websocket-sans-io",
            Role::Peer,
            sans_io::decoder(msgs.clone(), q()),
        ),
        s("yawc", Role::Peer, yawc::decoder(msgs.clone(), q())),
    ]
}

/// Checks that every decoder refuses a text message that is not UTF-8: the text
/// workloads are only comparable if all of them validate.
fn check_utf8_refused(
    out: &mut dyn Write,
    passed: &mut usize,
    failed: &mut usize,
) -> std::io::Result<()> {
    let msgs = Rc::new(Messages::generate(Kind::Text, 128, 8));
    let mut bad = (*msgs).clone();
    // 0xFF never occurs in UTF-8.
    bad.payloads[5][100] = 0xFF;
    let wire = client_wire(&bad, 3);
    for mut s in decoders(&msgs, &wire) {
        match s.bench.verify() {
            Err(e) if e.starts_with(DECODE_FAILED) => *passed += 1,
            other => {
                *failed += 1;
                let e = format!("invalid UTF-8 not refused: {other:?}");
                eprintln!("{}: {e}", s.name);
                let line = Line::new("error")
                    .str("workload", "utf8_refusal")
                    .str("subject", s.name)
                    .str("error", &e);
                writeln!(out, "{}", line.finish())?;
            }
        }
    }
    eprintln!("   utf8_refusal: every decoder checked");
    Ok(())
}

struct Args {
    mode: Mode,
    only: Option<String>,
    out: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mode = match args.next().as_deref() {
        Some("verify") => Mode::Verify,
        Some("quick") => Mode::Quick,
        Some("full") => Mode::Full,
        other => return Err(format!("unknown mode {other:?}")),
    };
    let (mut only, mut out) = (None, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--only" => only = Some(args.next().ok_or("--only needs a value")?),
            "--out" => out = Some(args.next().ok_or("--out needs a value")?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args { mode, only, out })
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
fn today() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The library's commit, if this is a git checkout; `+changes` if its source differs.
fn wswire_commit() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let run = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    // The last commit of the library's own source: commits elsewhere (docs, benches)
    // do not change what is measured.
    match run(&["log", "-1", "--format=%h", "--", "src", "Cargo.toml"]) {
        Some(rev) => {
            let dirty = run(&["status", "--porcelain", "--", "src", "Cargo.toml"])
                .is_some_and(|s| !s.is_empty());
            if dirty { format!("{rev}+changes") } else { rev }
        }
        None => "unknown".into(),
    }
}

fn emit_cell(
    out: &mut dyn Write,
    workload: &str,
    size: usize,
    msgs_per_iter: usize,
    measured: &[Measured],
    wire_bytes: &[(&'static str, Rc<std::cell::Cell<usize>>)],
) -> std::io::Result<()> {
    let median = |name: &str| {
        measured
            .iter()
            .find(|m| m.name == name)
            .map(Measured::median)
    };
    let wswire_ns = median("wswire");
    let limit = measured.iter().find(|m| m.role == Role::Limit);
    let best = measured
        .iter()
        .filter(|m| m.role == Role::Peer)
        .min_by(|a, b| a.median().total_cmp(&b.median()));
    for m in measured {
        let ns = m.median();
        let msgs_per_s = 1e9 / ns;
        let mut line = Line::new("timing")
            .str("workload", workload)
            .int("size", size as u64)
            .str("subject", m.name)
            .str("role", m.role.as_str())
            .num("ns_per_msg", ns)
            .num("q1", m.q1())
            .num("q3", m.q3())
            .num("msgs_per_s", msgs_per_s)
            .num("mib_per_s", msgs_per_s * size as f64 / f64::from(1 << 20))
            .int("rounds", m.samples.len() as u64)
            .int("iterations_per_sample", u64::from(m.iterations_per_sample))
            .int("msgs_per_iteration", msgs_per_iter as u64);
        if let Some(l) = limit {
            line = line.num(&format!("vs_{}", l.name), l.median() / ns);
        }
        if let Some(w) = wswire_ns {
            line = line.num("wswire_vs_this", ns / w);
        }
        if let Some((_, c)) = wire_bytes.iter().find(|(n, _)| *n == m.name) {
            line = line.num("wire_bytes_per_msg", c.get() as f64 / msgs_per_iter as f64);
        }
        writeln!(out, "{}", line.nums("samples", &m.samples).finish())?;
    }
    let mut summary = Line::new("summary")
        .str("workload", workload)
        .int("size", size as u64);
    let mut text = format!("{workload:>14} {size:>8} B:");
    if let (Some(w), Some(b)) = (measured.iter().find(|m| m.role == Role::Wswire), best) {
        let ratio = b.median() / w.median();
        let paired: Vec<f64> = b
            .samples
            .iter()
            .zip(&w.samples)
            .map(|(b, w)| b / w)
            .collect();
        summary = summary
            .str("best_peer", b.name)
            .num("wswire_vs_best_peer", ratio)
            .num("wswire_vs_best_peer_paired", quantile(&paired, 0.5));
        text += &format!(
            " wswire {:.1} ns/msg, best peer {} {:.1} (wswire x{ratio:.2})",
            w.median(),
            b.name,
            b.median()
        );
    }
    if let (Some(w), Some(b)) = (measured.iter().find(|m| m.name == "wswire-shared"), best) {
        let ratio = b.median() / w.median();
        summary = summary.num("wswire_shared_vs_best_peer", ratio);
        text += &format!(", zero-copy sends x{ratio:.2}");
    }
    if let (Some(w), Some(l)) = (wswire_ns, limit) {
        let r = l.median() / w;
        summary = summary.num(&format!("wswire_vs_{}", l.name), r);
        text += &format!(", {} x{r:.2}", l.name);
    }
    writeln!(out, "{}", summary.finish())?;
    eprintln!("{text}");
    Ok(())
}

fn memory(
    out: &mut dyn Write,
    mode: Mode,
    passed: &mut usize,
    failed: &mut usize,
) -> std::io::Result<()> {
    let exe = std::env::current_exe()?.with_file_name("memory");
    if !exe.exists() {
        eprintln!(
            "memory: {} is missing; build both binaries (`cargo build --release --bins`, as run.sh does)",
            exe.display()
        );
        *failed += 1;
        return Ok(());
    }
    for (subject, configs) in IDLE_SUBJECTS {
        for config in configs {
            let result = Command::new(&exe)
                .args([subject, config, &mode.connections().to_string()])
                .output()?;
            let stdout = String::from_utf8_lossy(&result.stdout);
            let line = stdout.lines().last().unwrap_or("").to_string();
            if result.status.success() && line.contains("\"kind\":\"memory\"") {
                *passed += 1;
                writeln!(out, "{line}")?;
                eprintln!("memory {subject:>18} {config:<12} {line}");
            } else {
                *failed += 1;
                eprintln!(
                    "memory {subject} {config} FAILED: {}{}",
                    stdout,
                    String::from_utf8_lossy(&result.stderr)
                );
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}\nusage: compare verify|quick|full [--only TEXT] [--out FILE]");
            return ExitCode::from(2);
        }
    };
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::from(2);
            }
        },
        None => Box::new(std::io::stdout()),
    };
    match run(&args, &mut *out) {
        Ok((passed, 0)) => {
            let _ = out.flush();
            println!("verify: {passed} passed, 0 failed");
            ExitCode::SUCCESS
        }
        Ok((passed, failed)) => {
            let _ = out.flush();
            println!("verify: {passed} passed, {failed} failed");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("output: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args, out: &mut dyn Write) -> std::io::Result<(usize, usize)> {
    let started = Instant::now();
    let plan = if args.mode == Mode::Full {
        Plan::FULL
    } else {
        Plan::QUICK
    };
    let selected = |name: &str| args.only.as_deref().is_none_or(|o| name.contains(o));
    // The program's name without its directory, then the arguments.
    let command = std::env::args()
        .enumerate()
        .map(|(i, a)| {
            if i == 0 {
                a.rsplit('/').next().unwrap_or(&a).to_string()
            } else {
                a
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let meta = Line::new("meta")
        .str("mode", args.mode.name())
        .str("date", &today())
        .str("rustc", env!("COMPARE_RUSTC"))
        .str("versions", env!("COMPARE_VERSIONS"))
        .str("wswire_commit", &wswire_commit())
        .num(
            "text_non_ascii_share",
            non_ascii_share(&Messages::generate(Kind::Text, 1 << 20, 1).texts[0]),
        )
        .str("command", &command)
        .int("rounds", plan.rounds as u64)
        .int("sample_ms", plan.sample.as_millis() as u64)
        .int("warm_ms", plan.warm.as_millis() as u64)
        .int(
            "cores",
            std::thread::available_parallelism().map_or(0, |n| n.get() as u64),
        );
    writeln!(out, "{}", meta.finish())?;

    let (mut passed, mut failed) = (0, 0);
    if selected("decode_text") {
        check_utf8_refused(out, &mut passed, &mut failed)?;
    }
    let (budget, deflate_budget) = args.mode.budgets();
    for workload in WORKLOADS {
        let name = workload.name();
        if !selected(&name) {
            continue;
        }
        for &size in workload.sizes() {
            let (kind, budget) = match workload {
                Workload::DecodeBinary => (Kind::Binary, budget),
                Workload::Deflate(_) => (Kind::Text, deflate_budget),
                _ => (Kind::Text, budget),
            };
            let count = count_for(size, budget);
            let msgs = Rc::new(Messages::generate(kind, size, count));
            let mut wire_bytes = Vec::new();
            let mut verified = Vec::new();
            for mut s in subjects(workload, &msgs, &mut wire_bytes) {
                match s.bench.verify() {
                    Ok(()) => {
                        passed += 1;
                        verified.push(s);
                    }
                    Err(e) => {
                        failed += 1;
                        eprintln!("{name} {size} B {}: FAILED: {e}", s.name);
                        let line = Line::new("error")
                            .str("workload", &name)
                            .int("size", size as u64)
                            .str("subject", s.name)
                            .str("error", &e);
                        writeln!(out, "{}", line.finish())?;
                    }
                }
            }
            if args.mode == Mode::Verify {
                eprintln!(
                    "{name:>14} {size:>8} B: {} subjects verified ({count} messages)",
                    verified.len()
                );
                continue;
            }
            let measured = measure(&mut verified, count, &plan);
            emit_cell(out, &name, size, count, &measured, &wire_bytes)?;
        }
    }
    if selected("memory") {
        memory(out, args.mode, &mut passed, &mut failed)?;
    }
    eprintln!(
        "compare {}: {:.1} s",
        args.mode.name(),
        started.elapsed().as_secs_f64()
    );
    Ok((passed, failed))
}
