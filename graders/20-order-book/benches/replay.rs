//! Bench: replaying a generated ITCH session (1,000,000 order messages, seed 20) into one
//! book per stock, decoding included: once over 64 stocks (the books' working set exceeds
//! the L2 cache, as on a real day) and once for one busy stock with a deep book (it fits,
//! so instructions decide). The crate under test against
//! `BTreeMap` books, interleaved round by round in several processes
//! (`course_testkit::rounds`), then per-message latency percentiles of each (TSC-timed,
//! HdrHistogram).
//!
//! Run with `cargo xtask bench 20-order-book` (your code) or `... --solution`.
//! `COURSE_ROUNDS` and `COURSE_PROCESSES` change the number of rounds and processes;
//! `COURSE_BENCH_MESSAGES` the session's size. `COURSE_BENCH_BY_STOCK=<n>` replays every
//! session sorted by stock in blocks of `n` messages, the order within each stock kept
//! (the chapter's "Replay by stock" experiment; a live book could not do it).
//!
//! Cases (ns per message, lower is better):
//! - *decode only*: framing and decoding, no book: the floor.
//! - *BTreeMap book*: the textbook design (the graders' model): per side a
//!   `BTreeMap<price, level>` whose level holds a `VecDeque` of ids, and a std `HashMap`
//!   (SipHash) of orders.
//! - *BTreeMap levels + FxHashMap*: a tuned tree book: the same trees, aggregates only (no
//!   queue per level: it cannot match), and the same fast hash as the solution. It
//!   separates what the ladder buys from what the hash function buys.
//! - the crate under test (and the reference solution when benchmarking your code).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use course_itch::session::{SessionConfig, generate};
use course_itch::{Message, Percentiles, Tsc, frames};
use course_testkit::rounds::{Better, Experiment};
use order_book_grader::imp::{BookError, Replay, Side};
use order_book_grader::model::RefBook;
use order_book_grader::{UNDER_TEST, imp};
use rustc_hash::FxHashMap;

fn side_of(s: course_itch::Side) -> Side {
    match s {
        course_itch::Side::Buy => Side::Bid,
        course_itch::Side::Sell => Side::Ask,
    }
}

/// Something that takes ITCH messages: the three kinds of books.
trait Apply {
    fn apply(&mut self, m: Message<'_>) -> bool;
}

impl Apply for Replay {
    #[inline(always)]
    fn apply(&mut self, m: Message<'_>) -> bool {
        Replay::apply(self, m).is_ok()
    }
}

// (With `--features solution`, the reference *is* the crate under test.)
#[cfg(all(feature = "reference", not(feature = "solution")))]
impl Apply for order_book_grader::reference::Replay {
    #[inline(always)]
    fn apply(&mut self, m: Message<'_>) -> bool {
        order_book_grader::reference::Replay::apply(self, m).is_ok()
    }
}

/// The decoding floor: touch every field a book would read.
#[derive(Default)]
struct DecodeOnly(u64);

impl Apply for DecodeOnly {
    #[inline(always)]
    fn apply(&mut self, m: Message<'_>) -> bool {
        self.0 = self.0.wrapping_add(m.book_fields_digest());
        true
    }
}

/// Books by locate in a `Vec`, as the solution does, so that only the book differs.
struct PerStock<B>(Vec<Option<B>>);

impl<B: Default> PerStock<B> {
    fn new() -> Self {
        Self(Vec::new())
    }
    #[inline]
    fn book(&mut self, locate: u16) -> &mut B {
        let i = usize::from(locate);
        if i >= self.0.len() {
            self.0.resize_with(i + 1, || None);
        }
        self.0[i].get_or_insert_with(B::default)
    }
}

/// The textbook book (the graders' model).
impl Apply for PerStock<RefBook> {
    #[inline(always)]
    fn apply(&mut self, m: Message<'_>) -> bool {
        let b = self.book(m.locate());
        let r: Result<(), BookError> = match m {
            Message::AddOrder(a) => b.add(
                a.order(),
                side_of(a.side()),
                i64::from(a.price()),
                u64::from(a.shares()),
            ),
            Message::OrderExecuted(e) => b.execute(e.order(), u64::from(e.shares())).map(drop),
            Message::OrderExecutedWithPrice(e) => {
                b.execute(e.order(), u64::from(e.shares())).map(drop)
            }
            Message::OrderCancel(x) => b.reduce(x.order(), u64::from(x.shares())).map(drop),
            Message::OrderDelete(d) => b.delete(d.order()).map(drop),
            Message::OrderReplace(u) => b.replace(
                u.order(),
                u.new_order(),
                i64::from(u.price()),
                u64::from(u.shares()),
            ),
            _ => Ok(()),
        };
        r.is_ok()
    }
}

/// The tuned tree book: aggregated levels in a `BTreeMap`, orders in an `FxHashMap`.
#[derive(Default)]
struct TreeLevels {
    orders: FxHashMap<u64, (Side, i64, u64)>,
    bids: BTreeMap<i64, (u64, u32)>,
    asks: BTreeMap<i64, (u64, u32)>,
}

impl TreeLevels {
    #[inline]
    fn add(&mut self, id: u64, side: Side, price: i64, qty: u64) -> bool {
        if qty == 0 || self.orders.insert(id, (side, price, qty)).is_some() {
            return false;
        }
        let l = match side {
            Side::Bid => self.bids.entry(price).or_default(),
            Side::Ask => self.asks.entry(price).or_default(),
        };
        l.0 += qty;
        l.1 += 1;
        true
    }

    #[inline]
    fn take(&mut self, id: u64, qty: Option<u64>) -> Option<(Side, u64)> {
        let o = self.orders.get_mut(&id)?;
        let (side, price) = (o.0, o.1);
        let q = qty.unwrap_or(o.2);
        if q == 0 || q > o.2 {
            return None;
        }
        o.2 -= q;
        let gone = o.2 == 0;
        if gone {
            self.orders.remove(&id);
        }
        let levels = match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        };
        let l = levels.get_mut(&price)?;
        l.0 -= q;
        if gone {
            l.1 -= 1;
            if l.1 == 0 {
                levels.remove(&price);
            }
        }
        Some((side, q))
    }
}

impl Apply for PerStock<TreeLevels> {
    #[inline(always)]
    fn apply(&mut self, m: Message<'_>) -> bool {
        let b = self.book(m.locate());
        match m {
            Message::AddOrder(a) => b.add(
                a.order(),
                side_of(a.side()),
                i64::from(a.price()),
                u64::from(a.shares()),
            ),
            Message::OrderExecuted(e) => b.take(e.order(), Some(u64::from(e.shares()))).is_some(),
            Message::OrderExecutedWithPrice(e) => {
                b.take(e.order(), Some(u64::from(e.shares()))).is_some()
            }
            Message::OrderCancel(x) => b.take(x.order(), Some(u64::from(x.shares()))).is_some(),
            Message::OrderDelete(d) => b.take(d.order(), None).is_some(),
            Message::OrderReplace(u) => match b.take(u.order(), None) {
                Some((side, _)) => b.add(
                    u.new_order(),
                    side,
                    i64::from(u.price()),
                    u64::from(u.shares()),
                ),
                None => false,
            },
            _ => true,
        }
    }
}

/// Replays `bytes` decoding each message as it goes (what a feed handler does); ns per
/// message.
///
/// One function per kind of book, with the book's `apply` inlined into it (hence
/// `inline(always)` on every `Apply::apply` above): the compiler then merges the decoder's
/// dispatch on the type byte with the book's, and each message costs one hard-to-predict
/// branch, as in a real feed handler. Left to itself, the inliner kept `apply` out of line
/// and every case paid a second dispatch, about 7 ns a message.
#[inline(never)]
fn replay_bytes_ns<B: Apply>(bytes: &[u8], mut books: B) -> f64 {
    let t = Instant::now();
    let mut n = 0u64;
    for m in frames(bytes) {
        let m = m.unwrap_or_else(|e| panic!("{e}"));
        n += 1;
        black_box(books.apply(m));
    }
    let ns = t.elapsed().as_nanos() as f64 / n as f64;
    drop(black_box(books));
    ns
}

/// Per-message service times of one pass, timed with the TSC.
fn latency<B: Apply>(tsc: &Tsc, messages: &[Message<'_>], mut books: B) -> Percentiles {
    let mut h = Percentiles::histogram();
    for &m in messages {
        let t0 = Tsc::read_start();
        black_box(books.apply(m));
        let t1 = Tsc::read_end();
        h.saturating_record(tsc.to_ns(t1.saturating_sub(t0)).max(1));
    }
    Percentiles::of(&h)
}

fn main() {
    let n: usize = std::env::var("COURSE_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    // The bench's main case: many stocks, so the books' working set (~4 MB) exceeds the
    // L2 cache, as on a real day.
    experiment(
        "64 stocks",
        &SessionConfig {
            messages: n,
            ..SessionConfig::default()
        },
    );
    // One busy stock with a deep book: its book fits in L2, so few messages wait for L3
    // (like benchmarks that replay one stock's messages). The reference's ring of recent
    // order numbers, at 512 KiB, is as big as the L2 itself: see the chapter.
    experiment(
        "1 stock",
        &SessionConfig {
            messages: n,
            ..SessionConfig::one_busy_stock()
        },
    );
}

/// `COURSE_BENCH_BY_STOCK`, if set: the block size of [`by_stock`].
fn by_stock_block() -> Option<usize> {
    let v = std::env::var("COURSE_BENCH_BY_STOCK").ok()?;
    let block = v.replace('_', "").parse().ok().filter(|&b: &usize| b > 0);
    Some(block.unwrap_or_else(|| {
        panic!("COURSE_BENCH_BY_STOCK={v}: expected a positive number of messages")
    }))
}

/// The framed stream `bytes`, each block of `block` messages stably sorted by stock: every
/// book sees the same messages in the same order, only the stocks' interleaving changes.
fn by_stock(bytes: &[u8], block: usize) -> Vec<u8> {
    let messages: Vec<Message<'_>> = frames(bytes)
        .map(|m| m.expect("the generator writes valid ITCH"))
        .collect();
    let mut out = Vec::with_capacity(bytes.len());
    for chunk in messages.chunks(block) {
        let mut chunk = chunk.to_vec();
        chunk.sort_by_key(Message::locate); // stable
        for m in chunk {
            let body = m.bytes();
            out.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
            out.extend_from_slice(body);
        }
    }
    out
}

/// Runs one experiment and, in the parent process, the latency table.
fn experiment(label: &str, cfg: &SessionConfig) {
    let order = match by_stock_block() {
        Some(block) => format!(", sorted by stock in blocks of {block}"),
        None => String::new(),
    };
    let name = format!(
        "ITCH replay, {label}, {} order messages (seed {}){order}, decoding included",
        cfg.messages, cfg.seed
    );
    // A child process measures one experiment: skip generating the other's session.
    if std::env::var("COURSE_ROUNDS_CHILD").is_ok_and(|c| c != name) {
        return;
    }
    let session = generate(cfg);
    let sorted = by_stock_block().map(|block| by_stock(&session.bytes, block));
    let bytes = sorted.as_ref().unwrap_or(&session.bytes);
    let messages: Vec<Message<'_>> = frames(bytes)
        .map(|m| m.expect("the generator writes valid ITCH"))
        .collect();
    let ours = format!("{UNDER_TEST}: array ladder");
    if sorted.is_some() {
        // Sorting by stock changes nothing a book can see: the same messages refused.
        fn refused(bytes: &[u8], mut books: impl Apply) -> usize {
            frames(bytes)
                .map(|m| m.expect("the generator writes valid ITCH"))
                .filter(|&m| !books.apply(m))
                .count()
        }
        for (book, a, b) in [
            (
                "BTreeMap book",
                refused(&session.bytes, PerStock::<RefBook>::new()),
                refused(bytes, PerStock::<RefBook>::new()),
            ),
            (
                ours.as_str(),
                refused(&session.bytes, imp::Replay::default()),
                refused(bytes, imp::Replay::default()),
            ),
        ] {
            assert_eq!(
                a, b,
                "{book}: messages refused in arrival order and by stock"
            );
        }
    }

    let exp = Experiment::new(name, "ns per message", Better::Lower)
        .rounds(10)
        .processes(3)
        .case("decode only (no book)", || {
            replay_bytes_ns(bytes, DecodeOnly::default())
        })
        .case("BTreeMap book (VecDeque levels, SipHash)", || {
            replay_bytes_ns(bytes, PerStock::<RefBook>::new())
        })
        .case("BTreeMap levels + FxHashMap (no FIFO)", || {
            replay_bytes_ns(bytes, PerStock::<TreeLevels>::new())
        })
        .case(ours.clone(), || {
            replay_bytes_ns(bytes, imp::Replay::default())
        });
    #[cfg(all(feature = "reference", not(feature = "solution")))]
    let exp = exp.case("reference: array ladder", || {
        replay_bytes_ns(bytes, order_book_grader::reference::Replay::default())
    });
    let report = exp
        .baseline("BTreeMap book (VecDeque levels, SipHash)")
        .run();
    let Some(report) = report else {
        return; // a child process: it printed its rounds for the parent
    };
    let ns = |name: &str| report.case(name).map(|c| c.median()).unwrap_or(f64::NAN);
    let ratio = |name: &str| {
        report
            .case(name)
            .map(|c| (c.ratio, c.ratio_range))
            .unwrap_or((f64::NAN, (f64::NAN, f64::NAN)))
    };
    let (r, (lo, hi)) = ratio(&ours);
    println!(
        "\n{ours}: {:.1} ns/message ({:.1} M messages/s); the textbook BTreeMap book takes {:.2}× as long per message as {UNDER_TEST} ({:.2}–{:.2}× over processes)",
        ns(&ours),
        1e3 / ns(&ours),
        1.0 / r,
        1.0 / hi,
        1.0 / lo,
    );

    // Latency: one timed pass each, in this process, over already-decoded messages (the
    // throughput rounds above decode as they go).
    let tsc = Tsc::calibrate(Duration::from_millis(20));
    println!(
        "\n### {label}: per-message service time in ns (TSC-timed, one pass each; the timer adds about {} ns)\n",
        tsc.overhead_ns()
    );
    println!("| book | p50 | p90 | p99 | p99.9 | p99.99 | max | mean |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let row = |name: &str, p: Percentiles| {
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {:.1} |",
            p.p50, p.p90, p.p99, p.p999, p.p9999, p.max, p.mean
        );
    };
    row(
        "decode only",
        latency(&tsc, &messages, DecodeOnly::default()),
    );
    row(
        "BTreeMap book (VecDeque levels, SipHash)",
        latency(&tsc, &messages, PerStock::<RefBook>::new()),
    );
    row(
        "BTreeMap levels + FxHashMap (no FIFO)",
        latency(&tsc, &messages, PerStock::<TreeLevels>::new()),
    );
    row(&ours, latency(&tsc, &messages, imp::Replay::default()));
}
