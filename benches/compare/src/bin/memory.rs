//! `memory SUBJECT CONFIG COUNT`: the heap an idle server connection holds, measured with
//! a counting global allocator, alone and as one of COUNT held at once; one JSON line.
//!
//! A separate program from the timing one, so that the counting allocator never slows a
//! timed subject, and one process per measurement, so that the resident-set figure starts
//! from a clean heap.
//!
//! Idle (the same for every subject): the connection was created as after an opening
//! handshake, received one 4 KiB text message and delivered it, sent one 4 KiB text
//! message and wrote all of its output; no read or write is outstanding (an async
//! subject's futures have completed and been dropped). The heap it holds is what is still
//! allocated then, the connection object itself included, less the harness's two queue
//! handles for a stream-based subject (the "socket", which the kernel would hold).
#![forbid(unsafe_code)]

use std::alloc::System;
use std::process::ExitCode;

use cap::Cap;
use wswire_compare::io::{ByteQueue, shared};
use wswire_compare::json::Line;
use wswire_compare::subjects::{Idle, IdleSetup, idle, owns_stream};

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

fn allocated() -> i64 {
    ALLOCATOR.allocated() as i64
}

/// Resident memory of this process, in bytes.
fn rss() -> i64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: i64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Memory the system could still give, in bytes.
fn available() -> Option<i64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: i64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [subject, config, count] = args.as_slice() else {
        eprintln!("usage: memory SUBJECT CONFIG COUNT");
        return ExitCode::from(2);
    };
    let Ok(count) = count.parse::<usize>() else {
        eprintln!("COUNT must be a number");
        return ExitCode::from(2);
    };
    match measure(subject, config, count) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{subject} {config}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn measure(subject: &str, config: &str, requested: usize) -> Result<String, String> {
    let setup = IdleSetup::new();
    let rt = wswire_compare::io::runtime();
    // Once unmeasured: lazily initialised state (runtime context, thread-locals) is not
    // the connection's.
    drop(idle(subject, config, &setup, &rt)?);

    // What the two queue handles of an in-memory stream cost, to take out of the figures.
    let overhead = if owns_stream(subject) {
        let before = allocated();
        let queues = (shared(ByteQueue::default()), shared(ByteQueue::default()));
        let cost = allocated() - before;
        drop(queues);
        cost
    } else {
        0
    };

    // One connection: held idle, then after the subject's release call if it has one.
    let before = allocated();
    let mut conn = idle(subject, config, &setup, &rt)?;
    let held = allocated() - before - overhead;
    let released = conn.release().then(|| allocated() - before - overhead);
    drop(conn);
    let residue = allocated() - before;

    // Many at once, bounded by what the machine has free.
    let mut count = requested;
    if let Some(free) = available() {
        let per = held.max(1) * 3 / 2 + 1024;
        let fits = (free / 2 / per).max(1) as usize;
        count = count.min(fits);
    }
    let mut conns: Vec<Box<dyn Idle>> = Vec::with_capacity(count);
    let (rss_before, heap_before) = (rss(), allocated());
    for _ in 0..count {
        conns.push(idle(subject, config, &setup, &rt)?);
    }
    let n = count as f64;
    let heap_per = (allocated() - heap_before) as f64 / n - overhead as f64;
    let rss_per = (rss() - rss_before) as f64 / n;
    let mut released_per = None;
    if conns.iter_mut().all(|c| c.release()) {
        released_per = Some((allocated() - heap_before) as f64 / n - overhead as f64);
    }
    drop(conns);

    let mut line = Line::new("memory")
        .str("subject", subject)
        .str("config", config)
        .int("idle_heap", held.max(0) as u64)
        .opt_int("after_release", released.map(|r| r.max(0) as u64))
        .int("connections", count as u64)
        .num("heap_per_connection", heap_per)
        .num("rss_per_connection", rss_per);
    if let Some(r) = released_per {
        line = line.num("heap_per_connection_after_release", r);
    }
    line = line
        .int("stream_handles_excluded", overhead as u64)
        .int("residue_after_drop", residue.max(0) as u64);
    Ok(line.finish())
}
