//! Bench (interleaved rounds in several processes): locks under contention.
//!
//! Experiments, each a table of "ns per lock+unlock for the whole team" (wall time of the
//! team ÷ critical sections executed; lower is better, 1/value is the aggregate rate):
//!
//! 1. one thread, uncontended (the same question as `benches/uncontended.rs`, asked in
//!    interleaved rounds so that the ratio to parking_lot comes with a spread);
//! 2. two threads on two cores, one-increment critical section: maximal contention;
//! 3. two threads, a critical section of about 40 ns (a chain of dependent multiply-adds
//!    on the protected value), the problem list's "critical sections under 50 ns";
//! 4. four threads pinned two per core (oversubscribed), one-increment critical section:
//!    owners get preempted while holding the lock;
//! 5. the same with the 40 ns critical section.
//!
//! Cases: your `SpinLock` (or the solution's), the reference, `std::sync::Mutex`,
//! `parking_lot::Mutex`, `spin::Mutex` (a spinlock that never yields) and a bare swap loop
//! (no test before the swap, no backoff: the lock the chapter argues against).
//!
//! Run: `cargo xtask bench 02-spinlock --solution`, or only this target with
//! `cargo bench -p spinlock-grader --no-default-features --features bench,solution,reference --bench contended`.
//! Knobs: `COURSE_ROUNDS`, `COURSE_PROCESSES`, `COURSE_ROUNDS_JSON=<file>`,
//! `COURSE_BENCH_NO_PIN=1` (do not pin the threads).

use std::cell::UnsafeCell;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};

use course_testkit::rounds::{Better, Experiment};
use course_testkit::team::run_team;
use spinlock_grader::{UNDER_TEST, imp};

/// Multiply-add steps in the "~40 ns" critical section (calibrated by the "critical section
/// alone" row of experiment 3).
const LONG_CS_STEPS: u32 = 24;

/// The critical section: one increment, then `steps` dependent multiply-adds (an LCG step
/// each, about 4 cycles of latency), all on the protected value.
#[inline(always)]
fn critical(x: u64, steps: u32) -> u64 {
    let mut x = x.wrapping_add(1);
    for _ in 0..steps {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
    }
    x
}

fn pinned() -> bool {
    std::env::var_os("COURSE_BENCH_NO_PIN").is_none()
}

/// Runs `per_thread` critical sections on each of `threads` threads (pinned round-robin)
/// on a fresh lock; returns wall-time nanoseconds per critical section for the team.
fn measure<L: Sync>(
    threads: usize,
    per_thread: u64,
    steps: u32,
    make: impl Fn() -> L,
    op: impl Fn(&L, u32) + Sync,
) -> f64 {
    let lock = make();
    let steps = black_box(steps);
    let t = run_team(threads, pinned(), |_| {
        for _ in 0..per_thread {
            op(&lock, steps);
        }
    });
    black_box(&lock);
    t.as_nanos() as f64 / (threads as u64 * per_thread) as f64
}

/// The naive spinlock: swap until it returns `false`, with a `pause` between attempts;
/// no test-before-set and no yield.
struct SwapLock<T> {
    locked: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: `with` gives one thread at a time `&mut T`, handed over by Acquire/Release.
unsafe impl<T: Send> Sync for SwapLock<T> {}

impl<T> SwapLock<T> {
    fn new(value: T) -> Self {
        Self {
            locked: AtomicBool::new(false),
            data: UnsafeCell::new(value),
        }
    }

    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // Acquire pairs with the Release below, in the previous owner.
        while self.locked.swap(true, Ordering::Acquire) {
            std::hint::spin_loop();
        }
        // SAFETY: the swap above changed `locked` from false to true: we own the data
        // until the store below.
        let r = f(unsafe { &mut *self.data.get() });
        self.locked.store(false, Ordering::Release);
        r
    }
}

/// Adds every lock as a case of `exp`, with `threads` threads doing `per_thread` critical
/// sections of `steps` multiply-adds each.
fn lock_cases(exp: Experiment<'_>, threads: usize, per_thread: u64, steps: u32) -> Experiment<'_> {
    let exp = exp.case(format!("{UNDER_TEST}: SpinLock"), move || {
        measure(
            threads,
            per_thread,
            steps,
            || imp::SpinLock::new(0u64),
            |l, k| {
                let mut g = l.lock();
                *g = critical(*g, k);
            },
        )
    });
    #[cfg(feature = "reference")]
    let exp = exp.case("reference: SpinLock", move || {
        measure(
            threads,
            per_thread,
            steps,
            || spinlock_grader::reference::SpinLock::new(0u64),
            |l, k| {
                let mut g = l.lock();
                *g = critical(*g, k);
            },
        )
    });
    exp.case("std::sync::Mutex", move || {
        measure(
            threads,
            per_thread,
            steps,
            || std::sync::Mutex::new(0u64),
            |l, k| {
                let mut g = l.lock().unwrap();
                *g = critical(*g, k);
            },
        )
    })
    .case("parking_lot::Mutex", move || {
        measure(
            threads,
            per_thread,
            steps,
            || parking_lot::Mutex::new(0u64),
            |l, k| {
                let mut g = l.lock();
                *g = critical(*g, k);
            },
        )
    })
    .case("spin::Mutex (never yields)", move || {
        measure(
            threads,
            per_thread,
            steps,
            || spin::Mutex::new(0u64),
            |l, k| {
                let mut g = l.lock();
                *g = critical(*g, k);
            },
        )
    })
    .case("bare swap loop", move || {
        measure(
            threads,
            per_thread,
            steps,
            || SwapLock::new(0u64),
            |l, k| {
                l.with(|v| *v = critical(*v, k));
            },
        )
    })
    .baseline("std::sync::Mutex")
}

const UNIT: &str = "ns per lock+unlock, whole team";

fn main() {
    lock_cases(
        Experiment::new("1 thread, uncontended", UNIT, Better::Lower),
        1,
        1_000_000,
        0,
    )
    .baseline("parking_lot::Mutex")
    .run();

    lock_cases(
        Experiment::new(
            "2 threads on 2 cores, one-increment critical section",
            UNIT,
            Better::Lower,
        ),
        2,
        200_000,
        0,
    )
    .run();

    lock_cases(
        Experiment::new(
            "2 threads on 2 cores, ~40 ns critical section",
            UNIT,
            Better::Lower,
        ),
        2,
        100_000,
        LONG_CS_STEPS,
    )
    .case("(critical section alone: 1 thread, no lock)", || {
        let n = 1_000_000u64;
        let steps = black_box(LONG_CS_STEPS);
        let t = std::time::Instant::now();
        let mut x = 0u64;
        for _ in 0..n {
            x = critical(black_box(x), steps);
        }
        black_box(x);
        t.elapsed().as_nanos() as f64 / n as f64
    })
    .run();

    lock_cases(
        Experiment::new(
            "4 threads on 2 cores (oversubscribed), one-increment critical section",
            UNIT,
            Better::Lower,
        ),
        4,
        100_000,
        0,
    )
    .run();

    lock_cases(
        Experiment::new(
            "4 threads on 2 cores (oversubscribed), ~40 ns critical section",
            UNIT,
            Better::Lower,
        ),
        4,
        50_000,
        LONG_CS_STEPS,
    )
    .run();
}
