//! Bench: `load` throughput of your `Rcu` while a writer on the other core stores a new
//! value every 10 µs (a far busier writer than any configuration reload), and with no
//! writer, against arc-swap (`load`, which returns a guard, and `load_full`, which returns
//! an `Arc`) and `std::sync::RwLock<Arc<T>>` (read lock, clone the `Arc`).
//!
//! Run with `cargo xtask bench 07-rcu-config` (your code) or `... --solution`. Cases are
//! measured interleaved, round after round, in several processes
//! (`course_testkit::rounds`). `--filter loaded` or `--filter idle` runs one experiment only.

use std::hint::black_box;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use course_testkit::rounds::{Better, Experiment};
use course_testkit::team::reads_under_writer;
use rcu_config_grader::{UNDER_TEST, imp};

const PERIOD: Duration = Duration::from_micros(10);
const DURATION: Duration = Duration::from_millis(150);

/// A small configuration: a few limits, read one field per load.
#[derive(Debug, Clone, Copy)]
struct Limits {
    max_qty: u64,
    other: [u64; 7],
}

fn limits(n: u64) -> Limits {
    Limits {
        max_qty: n,
        other: [n; 7],
    }
}

fn pinned() -> bool {
    std::env::var_os("COURSE_BENCH_NO_PIN").is_none()
}

/// M loads/s with the writer running; warns when the writer could not keep its rate.
fn loaded(name: &str, load: impl Fn() -> u64 + Sync, store: impl Fn(Limits) + Sync) -> f64 {
    let rate = reads_under_writer(
        PERIOD,
        DURATION,
        pinned(),
        |n| store(limits(n)),
        || {
            black_box(load());
        },
    );
    let wanted = 1.0 / PERIOD.as_secs_f64();
    if rate.writes_per_sec < 0.5 * wanted {
        eprintln!(
            "{name}: the writer reached only {:.0} k stores/s (wanted {:.0} k)",
            rate.writes_per_sec / 1e3,
            wanted / 1e3
        );
    }
    rate.reads_per_sec / 1e6
}

/// M loads/s on one thread, no writer.
fn idle(load: impl Fn() -> u64) -> f64 {
    let start = Instant::now();
    let mut loads = 0u64;
    while start.elapsed() < DURATION {
        for _ in 0..256 {
            black_box(load());
        }
        loads += 256;
    }
    loads as f64 / start.elapsed().as_secs_f64() / 1e6
}

fn main() {
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let yours = format!("{UNDER_TEST}: Rcu::load");

    let rcu = imp::Rcu::new(limits(0));
    #[cfg(all(feature = "reference", not(feature = "solution")))]
    let reference = rcu_config_grader::reference::Rcu::new(limits(0));
    let swap = ArcSwap::from_pointee(limits(0));
    let rwlock = RwLock::new(Arc::new(limits(0)));

    if wanted("loaded") {
        let exp = Experiment::new(
            "load + read one field, writer storing every 10 µs on the other core",
            "M loads/s",
            Better::Higher,
        )
        .rounds(9)
        .processes(3)
        .case(&yours, || {
            loaded(&yours, || rcu.load().max_qty, |v| rcu.store(v))
        });
        #[cfg(all(feature = "reference", not(feature = "solution")))]
        let exp = exp.case("reference: Rcu::load", || {
            loaded(
                "reference",
                || reference.load().max_qty,
                |v| reference.store(v),
            )
        });
        exp.case("peer: arc-swap load (guard)", || {
            loaded(
                "arc-swap load",
                || swap.load().max_qty,
                |v| swap.store(Arc::new(v)),
            )
        })
        .case("peer: arc-swap load_full (Arc)", || {
            loaded(
                "arc-swap load_full",
                || swap.load_full().max_qty,
                |v| swap.store(Arc::new(v)),
            )
        })
        .case("peer: RwLock<Arc<T>> read + clone", || {
            loaded(
                "RwLock<Arc<T>>",
                || rwlock.read().unwrap().clone().max_qty,
                |v| *rwlock.write().unwrap() = Arc::new(v),
            )
        })
        .baseline("peer: arc-swap load (guard)")
        .run();
    }

    if wanted("idle") {
        let exp = Experiment::new(
            "load + read one field, no writer (one thread)",
            "M loads/s",
            Better::Higher,
        )
        .rounds(9)
        .processes(3)
        .case(&yours, || idle(|| rcu.load().max_qty));
        #[cfg(all(feature = "reference", not(feature = "solution")))]
        let exp = exp.case("reference: Rcu::load", || idle(|| reference.load().max_qty));
        exp.case("peer: arc-swap load (guard)", || {
            idle(|| swap.load().max_qty)
        })
        .case("peer: arc-swap load_full (Arc)", || {
            idle(|| swap.load_full().max_qty)
        })
        .case("peer: RwLock<Arc<T>> read + clone", || {
            idle(|| rwlock.read().unwrap().clone().max_qty)
        })
        .baseline("peer: arc-swap load (guard)")
        .run();
    }
    black_box(limits(0).other);
}
