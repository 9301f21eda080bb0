//! Bench: how many 128-byte snapshots a reader can copy per second while a writer on the
//! other core stores a new one every microsecond, for your `SeqLock` against std's
//! `RwLock`, parking_lot's `RwLock`, the `seqlock` crate and arc-swap; and the same with
//! no writer (the pure cost of one read).
//!
//! Run with `cargo xtask bench 06-seqlock` (your code) or `... --solution`. Every case is
//! measured interleaved with the others, round after round, in several processes
//! (`course_testkit::rounds`), because cross-core figures on a shared machine drift over
//! seconds and differ from process to process. `--filter loaded` or `--filter idle` runs
//! one of the two experiments only. Every read is checked (`Snapshot::check`, all 16
//! words): a torn read aborts the bench.

use std::hint::black_box;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use course_testkit::rounds::{Better, Experiment};
use course_testkit::team::reads_under_writer;
use seqlock_grader::{Snapshot, UNDER_TEST, imp};

const PERIOD: Duration = Duration::from_micros(1);
const DURATION: Duration = Duration::from_millis(150);

fn pinned() -> bool {
    std::env::var_os("COURSE_BENCH_NO_PIN").is_none()
}

fn check(s: Snapshot) {
    if let Err(e) = s.check() {
        panic!("{e}");
    }
}

/// M reads/s with the writer running; warns when the writer could not keep its rate.
fn loaded(name: &str, read: impl Fn() -> Snapshot + Sync, write: impl Fn(Snapshot) + Sync) -> f64 {
    let rate = reads_under_writer(
        PERIOD,
        DURATION,
        pinned(),
        |n| write(Snapshot::of(n)),
        || check(read()),
    );
    if rate.writes_per_sec < 0.5e6 {
        eprintln!(
            "{name}: the writer reached only {:.2} M writes/s (wanted 1)",
            rate.writes_per_sec / 1e6
        );
    }
    rate.reads_per_sec / 1e6
}

/// M reads/s on one thread, no writer.
fn idle(read: impl Fn() -> Snapshot) -> f64 {
    let start = Instant::now();
    let mut reads = 0u64;
    while start.elapsed() < DURATION {
        for _ in 0..256 {
            check(black_box(read()));
        }
        reads += 256;
    }
    reads as f64 / start.elapsed().as_secs_f64() / 1e6
}

/// The peers, each with a read and a write of a `Snapshot`.
struct Peers {
    crate_seqlock: seqlock_crate::SeqLock<Snapshot>,
    std_rwlock: RwLock<Snapshot>,
    pl_rwlock: parking_lot::RwLock<Snapshot>,
    arc_swap: arc_swap::ArcSwap<Snapshot>,
}

impl Peers {
    fn new() -> Self {
        Self {
            crate_seqlock: seqlock_crate::SeqLock::new(Snapshot::of(0)),
            std_rwlock: RwLock::new(Snapshot::of(0)),
            pl_rwlock: parking_lot::RwLock::new(Snapshot::of(0)),
            arc_swap: arc_swap::ArcSwap::from_pointee(Snapshot::of(0)),
        }
    }
}

fn main() {
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let yours = format!("{UNDER_TEST}: SeqLock");

    if wanted("loaded") {
        let mine = imp::SeqLock::new(Snapshot::of(0));
        #[cfg(all(feature = "reference", not(feature = "solution")))]
        let reference = seqlock_grader::reference::SeqLock::new(Snapshot::of(0));
        let p = Arc::new(Peers::new());
        let exp = Experiment::new(
            "128-byte reads, writer storing every 1 µs on the other core",
            "M reads/s",
            Better::Higher,
        )
        .rounds(9)
        .processes(3)
        .case(&yours, || loaded(&yours, || mine.read(), |v| mine.write(v)));
        #[cfg(all(feature = "reference", not(feature = "solution")))]
        let exp = exp.case("reference: SeqLock", || {
            loaded("reference", || reference.read(), |v| reference.write(v))
        });
        exp.case("peer: seqlock crate 0.2", || {
            loaded(
                "seqlock crate",
                || p.crate_seqlock.read(),
                |v| *p.crate_seqlock.lock_write() = v,
            )
        })
        .case("peer: std RwLock", || {
            loaded(
                "std RwLock",
                || *p.std_rwlock.read().unwrap(),
                |v| *p.std_rwlock.write().unwrap() = v,
            )
        })
        .case("peer: parking_lot RwLock", || {
            loaded(
                "parking_lot RwLock",
                || *p.pl_rwlock.read(),
                |v| *p.pl_rwlock.write() = v,
            )
        })
        .case("peer: arc-swap load + copy", || {
            loaded(
                "arc-swap",
                || **p.arc_swap.load(),
                |v| p.arc_swap.store(Arc::new(v)),
            )
        })
        .baseline("peer: arc-swap load + copy")
        .run();
    }

    if wanted("idle") {
        let mine = imp::SeqLock::new(Snapshot::of(7));
        let p = Peers::new();
        Experiment::new(
            "128-byte reads, no writer (one thread)",
            "M reads/s",
            Better::Higher,
        )
        .rounds(9)
        .processes(3)
        .case(&yours, || idle(|| mine.read()))
        .case("peer: seqlock crate 0.2", || {
            idle(|| p.crate_seqlock.read())
        })
        .case("peer: std RwLock", || {
            idle(|| *p.std_rwlock.read().unwrap())
        })
        .case("peer: parking_lot RwLock", || idle(|| *p.pl_rwlock.read()))
        .case("peer: arc-swap load + copy", || {
            idle(|| **p.arc_swap.load())
        })
        .case("(ref) plain copy, no synchronization", || {
            let plain = black_box(Snapshot::of(7));
            idle(|| black_box(plain))
        })
        .baseline("peer: arc-swap load + copy")
        .run();
    }
}
