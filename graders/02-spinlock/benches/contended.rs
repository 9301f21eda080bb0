//! Bench (interleaved rounds in several processes): locks under contention.
//!
//! Experiments, each a table of "ns per lock+unlock for the whole team" (wall time of the
//! team ÷ critical sections executed; lower is better, 1/value is the aggregate rate):
//!
//! 1. one thread, uncontended (the same question as `benches/uncontended.rs`, asked in
//!    interleaved rounds so that the ratio to parking_lot comes with a spread);
//! 2. two threads on two cores, one-increment critical section and nothing between two
//!    acquisitions: the classic microbenchmark, maximal contention;
//! 3. two threads, a critical section of 24 dependent multiply-adds on the protected value
//!    (16 to 40 ns) and as much private work between acquisitions: the problem list's
//!    "critical sections under 50 ns" in a program that does something else too;
//! 4. four threads pinned two per core (oversubscribed), one-increment critical section:
//!    owners get preempted while holding the lock;
//! 5. the same with the 24-step critical section and as much outside;
//!
//! and two that are not times: for experiments 2 and 3, how many acquisitions in 100 went
//! to the other thread (how often the lock really changes hands, which explains much of the
//! throughput).
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

/// Multiply-add steps in the longer critical section: 16 to 40 ns on the course's machine,
/// depending on its load (the "critical section alone" row of experiment 3 measures it).
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

/// What the bench needs from a lock: create one, run a closure under it.
trait BenchLock<T>: Sync {
    fn new(value: T) -> Self;
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R;
}

/// The crate under test (newtypes, so that `imp` and `reference` stay distinct types even
/// when both are the solution).
struct Yours<T>(imp::SpinLock<T>);

impl<T: Send + Sync> BenchLock<T> for Yours<T> {
    fn new(value: T) -> Self {
        Self(imp::SpinLock::new(value))
    }
    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.0.lock())
    }
}

#[cfg(feature = "reference")]
struct Reference<T>(spinlock_grader::reference::SpinLock<T>);

#[cfg(feature = "reference")]
impl<T: Send + Sync> BenchLock<T> for Reference<T> {
    fn new(value: T) -> Self {
        Self(spinlock_grader::reference::SpinLock::new(value))
    }
    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.0.lock())
    }
}

impl<T: Send> BenchLock<T> for std::sync::Mutex<T> {
    fn new(value: T) -> Self {
        std::sync::Mutex::new(value)
    }
    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.lock().unwrap())
    }
}

impl<T: Send> BenchLock<T> for parking_lot::Mutex<T> {
    fn new(value: T) -> Self {
        parking_lot::Mutex::new(value)
    }
    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.lock())
    }
}

impl<T: Send> BenchLock<T> for spin::Mutex<T> {
    fn new(value: T) -> Self {
        spin::Mutex::new(value)
    }
    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.lock())
    }
}

/// The naive spinlock: swap until it returns `false`, with a `pause` between attempts;
/// no test-before-set and no yield.
struct SwapLock<T> {
    locked: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: `with` gives one thread at a time `&mut T`, handed over by Acquire/Release.
unsafe impl<T: Send> Sync for SwapLock<T> {}

impl<T: Send> BenchLock<T> for SwapLock<T> {
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

/// Runs `per_thread` critical sections of `cs` multiply-adds on each of `threads` threads
/// (pinned round-robin) on a fresh lock, with `outside` multiply-adds of private work
/// between two critical sections; returns wall-time nanoseconds per critical section for
/// the whole team.
fn ns_per_op<L: BenchLock<u64>>(threads: usize, per_thread: u64, cs: u32, outside: u32) -> f64 {
    let lock = L::new(0);
    let (cs, outside) = (black_box(cs), black_box(outside));
    let t = run_team(threads, pinned(), |me| {
        let mut private = me as u64;
        for _ in 0..per_thread {
            lock.with(|v| *v = critical(*v, cs));
            private = critical(private, outside);
        }
        black_box(private);
    });
    black_box(lock.with(|v| *v));
    t.as_nanos() as f64 / (threads as u64 * per_thread) as f64
}

/// The protected value of the handover experiments: who held the lock last, how often the
/// owner changed, and the value the critical section works on.
#[derive(Default)]
struct Owner {
    last: usize,
    changes: u64,
    value: u64,
}

/// Like [`ns_per_op`], but returns how many of every 100 acquisitions went to a different
/// thread than the previous one. With two threads, 50 is what strict alternation would
/// give half of (100 is strict alternation); near 0 means one thread keeps the lock for
/// long runs while the other waits.
fn handovers_per_100<L: BenchLock<Owner>>(
    threads: usize,
    per_thread: u64,
    cs: u32,
    outside: u32,
) -> f64 {
    let lock = L::new(Owner::default());
    let (cs, outside) = (black_box(cs), black_box(outside));
    run_team(threads, pinned(), |me| {
        let mut private = me as u64;
        for _ in 0..per_thread {
            lock.with(|o| {
                if o.last != me {
                    o.last = me;
                    o.changes += 1;
                }
                o.value = critical(o.value, cs);
            });
            private = critical(private, outside);
        }
        black_box(private);
    });
    let changes = lock.with(|o| o.changes);
    100.0 * changes as f64 / (threads as u64 * per_thread) as f64
}

/// Adds one case per lock to `$exp`; each runs `$measure::<LockType>($args...)`.
macro_rules! each_lock {
    ($exp:expr, $measure:ident ( $($arg:expr),* )) => {{
        let exp = $exp.case(format!("{UNDER_TEST}: SpinLock"), move || {
            $measure::<Yours<_>>($($arg),*)
        });
        #[cfg(feature = "reference")]
        let exp = exp.case("reference: SpinLock", move || $measure::<Reference<_>>($($arg),*));
        exp.case("std::sync::Mutex", move || $measure::<std::sync::Mutex<_>>($($arg),*))
            .case("parking_lot::Mutex", move || $measure::<parking_lot::Mutex<_>>($($arg),*))
            .case("spin::Mutex (never yields)", move || $measure::<spin::Mutex<_>>($($arg),*))
            .case("bare swap loop", move || $measure::<SwapLock<_>>($($arg),*))
            .baseline("std::sync::Mutex")
    }};
}

const UNIT: &str = "ns per lock+unlock, whole team";
const HANDOVERS: &str = "acquisitions (of 100) that changed owner";

fn main() {
    let long = LONG_CS_STEPS;
    each_lock!(
        Experiment::new("1 thread, uncontended", UNIT, Better::Lower),
        ns_per_op(1, 1_000_000, 0, 0)
    )
    .baseline("parking_lot::Mutex")
    .run();

    each_lock!(
        Experiment::new(
            "2 threads, one-increment critical section, nothing outside",
            UNIT,
            Better::Lower
        ),
        ns_per_op(2, 200_000, 0, 0)
    )
    .run();

    each_lock!(
        Experiment::new(
            "2 threads, one-increment critical section, nothing outside: handovers",
            HANDOVERS,
            Better::Higher
        ),
        handovers_per_100(2, 200_000, 0, 0)
    )
    .run();

    each_lock!(
        Experiment::new(
            "2 threads, 24-step critical section, as much work outside",
            UNIT,
            Better::Lower
        ),
        ns_per_op(2, 100_000, long, long)
    )
    .case("(critical section alone: 1 thread, no lock)", move || {
        let n = 1_000_000u64;
        let steps = black_box(long);
        let t = std::time::Instant::now();
        let mut x = 0u64;
        for _ in 0..n {
            x = critical(black_box(x), steps);
        }
        black_box(x);
        t.elapsed().as_nanos() as f64 / n as f64
    })
    .run();

    each_lock!(
        Experiment::new(
            "2 threads, 24-step critical section, as much work outside: handovers",
            HANDOVERS,
            Better::Higher
        ),
        handovers_per_100(2, 100_000, long, long)
    )
    .run();

    each_lock!(
        Experiment::new(
            "4 threads on 2 cores (oversubscribed), one-increment critical section, nothing outside",
            UNIT,
            Better::Lower,
        ),
        ns_per_op(4, 100_000, 0, 0)
    )
    .run();

    each_lock!(
        Experiment::new(
            "4 threads on 2 cores (oversubscribed), 24-step critical section, as much outside",
            UNIT,
            Better::Lower,
        ),
        ns_per_op(4, 50_000, long, long)
    )
    .run();
}
