//! The `replay` command line, shared by every book that implements [`Books`].
//!
//! ```text
//! replay [FILE] [--generate N] [--seed S] [--stocks K] [--write FILE]
//!        [--stock SYMBOL]... [--all] [--speed X] [--no-latency]
//! ```
//!
//! It reads an ITCH 5.0 file (2-byte length framing; the zero-length quirk of the RITCH
//! sample is handled) or generates a session ([`session`](crate::session)), then replays it twice
//! into fresh books: once untimed, for throughput (ns per message, messages per second,
//! decoding included), and once timing every message with the [`Tsc`], for latency
//! percentiles. It prints the messages per type, the messages the books refused (per type,
//! with the first few reasons), and the final top of book of the chosen stocks (all of them
//! when there are at most 20, or with `--all`).
//!
//! `--speed X` adds the *response-time* percentiles a client would have seen had the
//! messages arrived at their ITCH timestamps sped up X times: service times plus the time
//! spent waiting behind earlier messages (see
//! [`queue_response_times`](crate::replay::queue_response_times) on coordinated omission).

use std::fmt;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::decode::frames;
use crate::replay::{Percentiles, Tsc, TypeCounts, queue_response_times};
use crate::session::{SessionConfig, generate};
use crate::{Message, Stock};

/// The top of one side of a book, for reports. Prices are in ITCH units ($0.0001).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Top {
    /// Price.
    pub price: i64,
    /// Total quantity at that price.
    pub qty: u64,
    /// Orders at that price.
    pub orders: u32,
}

/// One stock's book at the end of a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockTop {
    /// Locate code.
    pub locate: u16,
    /// Symbol, if the stock directory named it.
    pub stock: Option<Stock>,
    /// Best bid.
    pub bid: Option<Top>,
    /// Best ask.
    pub ask: Option<Top>,
    /// Resting orders.
    pub orders: usize,
}

/// What the replay tool drives: one book per stock, fed one message at a time.
pub trait Books {
    /// Why a message was refused. The replay counts it and goes on.
    type Error: fmt::Display;

    /// Applies one message to the books.
    fn apply(&mut self, message: Message<'_>) -> Result<(), Self::Error>;

    /// Every stock that has a book, by locate code.
    fn tops(&self) -> Vec<StockTop>;
}

/// `12.3456` for 123456 ($0.0001 units).
pub fn dollars(price: i64) -> String {
    let sign = if price < 0 { "-" } else { "" };
    let p = price.unsigned_abs();
    format!("{sign}{}.{:04}", p / 10_000, p % 10_000)
}

#[derive(Debug, Default)]
struct Args {
    file: Option<String>,
    generate: Option<usize>,
    seed: u64,
    stocks: usize,
    write: Option<String>,
    show: Vec<String>,
    all: bool,
    speed: Option<f64>,
    latency: bool,
}

const USAGE: &str = "usage: replay [FILE] [--generate N] [--seed S] [--stocks K] [--write FILE] \
[--stock SYMBOL]... [--all] [--speed X] [--no-latency]

  FILE           an ITCH 5.0 file with 2-byte length framing (e.g. Nasdaq's daily files)
  --generate N   replay a generated session of N order messages instead (default 1000000)
  --seed S       the generator's seed (default 20)
  --stocks K     the generator's number of stocks (default 64)
  --write FILE   also write the generated session to FILE
  --stock SYM    print this stock's final top of book (repeatable)
  --all          print every stock's final top of book
  --speed X      also report response times had messages arrived at their timestamps, X times faster
  --no-latency   skip the timed pass";

fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        seed: 20,
        stocks: 64,
        latency: true,
        ..Args::default()
    };
    let mut it = args.peekable();
    fn value<T: std::str::FromStr>(
        it: &mut impl Iterator<Item = String>,
        flag: &str,
    ) -> Result<T, String> {
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        v.replace('_', "")
            .parse()
            .map_err(|_| format!("{flag}: cannot read `{v}`"))
    }
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--generate" => {
                a.generate = Some(if it.peek().is_some_and(|n| !n.starts_with("--")) {
                    value(&mut it, "--generate")?
                } else {
                    1_000_000
                })
            }
            "--seed" => a.seed = value(&mut it, "--seed")?,
            "--stocks" => a.stocks = value(&mut it, "--stocks")?,
            "--write" => a.write = Some(value(&mut it, "--write")?),
            "--stock" => a.show.push(value(&mut it, "--stock")?),
            "--all" => a.all = true,
            "--speed" => a.speed = Some(value(&mut it, "--speed")?),
            "--no-latency" => a.latency = false,
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            _ if a.file.is_none() => a.file = Some(arg),
            _ => return Err(format!("one file only (got {arg} too)")),
        }
    }
    if a.file.is_none() && a.generate.is_none() {
        a.generate = Some(1_000_000);
    }
    if a.file.is_some() && a.generate.is_some() {
        return Err("give a FILE or --generate, not both".into());
    }
    Ok(a)
}

/// Runs the replay command line with books made by `make` (called once per pass).
pub fn main<B: Books>(make: impl FnMut() -> B) -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok(args) => match run(&args, make) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("replay: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            if !e.is_empty() {
                eprintln!("replay: {e}");
            }
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run<B: Books>(args: &Args, mut make: impl FnMut() -> B) -> Result<(), String> {
    let (bytes, source) = match (&args.file, args.generate) {
        (Some(path), _) => (
            std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?,
            path.clone(),
        ),
        (None, Some(n)) => {
            let cfg = SessionConfig {
                seed: args.seed,
                messages: n,
                stocks: args.stocks,
                ..SessionConfig::default()
            };
            let t = Instant::now();
            let day = generate(&cfg);
            eprintln!(
                "generated {} messages over {} stocks (seed {}) in {:.1?}",
                day.messages,
                cfg.stocks,
                cfg.seed,
                t.elapsed()
            );
            if let Some(path) = &args.write {
                std::fs::write(path, &day.bytes)
                    .map_err(|e| format!("cannot write {path}: {e}"))?;
                eprintln!("wrote {path} ({} bytes)", day.bytes.len());
            }
            (day.bytes, format!("generated session, seed {}", cfg.seed))
        }
        (None, None) => unreachable!("parse fills one in"),
    };

    // Check the framing once, so that the timed passes need not.
    let mut n = 0u64;
    for m in frames(&bytes) {
        m.map_err(|e| format!("{source}: {e}"))?;
        n += 1;
    }
    println!("source: {source} ({} bytes, {n} messages)\n", bytes.len());

    // Pass 1: untimed, for throughput.
    let mut books = make();
    let mut counts = TypeCounts::new();
    let mut rejected = TypeCounts::new();
    let mut reasons: Vec<String> = Vec::new();
    let started = Instant::now();
    for m in frames(&bytes).flatten() {
        counts.add(m.kind());
        if let Err(e) = books.apply(m) {
            rejected.add(m.kind());
            if reasons.len() < 5 {
                reasons.push(format!("'{}': {e}", char::from(m.kind())));
            }
        }
    }
    let elapsed = started.elapsed();
    println!("messages by type:\n{counts}");
    if rejected.total() > 0 {
        println!("refused by the books (replay went on):\n{rejected}");
        for r in &reasons {
            println!("  e.g. {r}");
        }
        println!();
    }
    let ns = elapsed.as_nanos() as f64 / n.max(1) as f64;
    println!(
        "throughput: {n} messages in {:.3?}: {ns:.1} ns/message, {:.2} M messages/s (decoding included, one core)",
        elapsed,
        1e3 / ns
    );

    // Pass 2: every message timed.
    if args.latency {
        let tsc = Tsc::calibrate(Duration::from_millis(20));
        let mut books = make();
        let mut h = Percentiles::histogram();
        let keep = args.speed.is_some();
        let mut service = Vec::with_capacity(if keep { n as usize } else { 0 });
        let mut arrivals = Vec::with_capacity(if keep { n as usize } else { 0 });
        for m in frames(&bytes).flatten() {
            let t0 = Tsc::read_start();
            let _ = std::hint::black_box(books.apply(m));
            let t1 = Tsc::read_end();
            let ns = tsc.to_ns(t1.saturating_sub(t0)).max(1);
            h.saturating_record(ns);
            if keep {
                service.push(ns);
                let b = m.bytes();
                arrivals.push(u64::from_be_bytes([
                    0, 0, b[5], b[6], b[7], b[8], b[9], b[10],
                ]));
            }
        }
        println!(
            "service time per message (TSC, {:.3} ns/tick; the timer itself adds about {} ns):\n  {}",
            tsc.ns_per_tick(),
            tsc.overhead_ns(),
            Percentiles::of(&h)
        );
        if let Some(speed) = args.speed {
            let t0 = arrivals.first().copied().unwrap_or(0);
            let scaled: Vec<u64> = arrivals
                .iter()
                .map(|&a| ((a - t0) as f64 / speed) as u64)
                .collect();
            let mut r = Percentiles::histogram();
            queue_response_times(&scaled, &service, |x| r.saturating_record(x.max(1)));
            let span = scaled.last().copied().unwrap_or(0).max(1);
            let busy: u64 = service.iter().sum();
            println!(
                "response time had messages arrived at their timestamps ×{speed} (utilisation {:.1} %):\n  {}",
                100.0 * busy as f64 / span as f64,
                Percentiles::of(&r)
            );
        }
    }

    // Final books.
    let tops = books.tops();
    let chosen: Vec<&StockTop> = tops
        .iter()
        .filter(|t| {
            if !args.show.is_empty() {
                t.stock
                    .is_some_and(|s| args.show.iter().any(|w| w.eq_ignore_ascii_case(s.name())))
            } else {
                args.all || tops.len() <= 20
            }
        })
        .collect();
    println!(
        "\nfinal top of book ({} of {} stocks; prices in $):",
        chosen.len(),
        tops.len()
    );
    println!(
        "  {:>6}  {:<8} {:>8} {:>10} {:>5}   {:>10} {:>8} {:>5}  {:>7}",
        "locate", "stock", "bid qty", "bid", "#", "ask", "ask qty", "#", "orders"
    );
    for t in chosen {
        let side = |s: Option<Top>| match s {
            Some(s) => (s.qty.to_string(), dollars(s.price), s.orders.to_string()),
            None => ("-".into(), "-".into(), "-".into()),
        };
        let (bq, bp, bn) = side(t.bid);
        let (aq, ap, an) = side(t.ask);
        println!(
            "  {:>6}  {:<8} {:>8} {:>10} {:>5}   {:>10} {:>8} {:>5}  {:>7}",
            t.locate,
            t.stock.map_or("?".to_string(), |s| s.name().to_string()),
            bq,
            bp,
            bn,
            ap,
            aq,
            an,
            t.orders
        );
    }
    if !args.all && args.show.is_empty() && tops.len() > 20 {
        println!(
            "  ({} stocks; --all or --stock SYMBOL to show them)",
            tops.len()
        );
    }
    Ok(())
}
