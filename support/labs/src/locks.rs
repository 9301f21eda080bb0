//! Locks around a tiny critical section (`*value += 1`): std's Mutex, parking_lot's, and
//! two spinlocks, alone, contended by two cores, and oversubscribed (four threads on two
//! cores, where a lock holder can be preempted).
//!
//! std's `Mutex` on Linux is a futex lock of its own (not pthread): locking an unlocked
//! mutex is one compare-exchange, unlocking one swap; it spins briefly and then sleeps in
//! the kernel only when the lock is taken. The spinlocks never sleep: with more threads
//! than cores, a waiter can burn its whole time slice while the holder is descheduled.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use course_testkit::rounds::{Better, Report, note};
use course_testkit::team::run_team;
use crossbeam_utils::CachePadded;

use crate::chart;
use crate::ctx::Ctx;
use crate::util::thread_voluntary_switches;

/// A spinlock around a `u64`, in one of three styles (the `progress` lab uses it too).
pub(crate) struct Spin {
    locked: AtomicBool,
    value: UnsafeCell<u64>,
}

// SAFETY: `value` is only accessed while `locked` is held (see `with`), so at most one
// thread touches it at a time; a u64 may move between threads.
unsafe impl Sync for Spin {}

#[derive(Clone, Copy)]
pub(crate) enum Style {
    /// `swap(true)` until it returns false: every wait is a locked RMW on the line.
    Swap,
    /// Test-and-test-and-set: wait with plain loads, try the swap when it looks free.
    Ttas,
    /// TTAS that yields the core after a short spin.
    TtasYield,
}

impl Spin {
    pub(crate) fn new() -> Self {
        Self {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(0),
        }
    }

    pub(crate) fn with(&self, style: Style, f: impl FnOnce(&mut u64)) {
        // Acquire on the successful swap pairs with the Release store of the previous
        // holder's unlock: its writes to `value` happen before ours.
        match style {
            Style::Swap => {
                while self.locked.swap(true, Ordering::Acquire) {
                    std::hint::spin_loop();
                }
            }
            Style::Ttas | Style::TtasYield => {
                let mut spins = 0u32;
                while self.locked.swap(true, Ordering::Acquire) {
                    // Relaxed: this load only decides when to retry; the swap synchronizes.
                    while self.locked.load(Ordering::Relaxed) {
                        spins += 1;
                        if matches!(style, Style::TtasYield) && spins > 100 {
                            std::thread::yield_now();
                        } else {
                            std::hint::spin_loop();
                        }
                    }
                }
            }
        }
        // SAFETY: we hold the lock, so no other thread accesses `value` until the Release
        // store below.
        f(unsafe { &mut *self.value.get() });
        // Release: publishes our writes to `value` to the next holder's Acquire swap.
        self.locked.store(false, Ordering::Release);
    }
}

#[derive(Clone, Copy)]
enum Lock {
    Std,
    ParkingLot,
    Spin(Style),
    FetchAdd,
}

/// `threads` threads do `per_thread` locked increments each; ns per increment (team).
fn team(threads: usize, per_thread: u64, lock: Lock) -> f64 {
    let std_m = CachePadded::new(std::sync::Mutex::new(0u64));
    let pl_m = CachePadded::new(parking_lot::Mutex::new(0u64));
    let spin = CachePadded::new(Spin::new());
    let atomic = CachePadded::new(AtomicU64::new(0));
    let sleeps = AtomicU64::new(0);
    let t = run_team(threads, true, |_| {
        let before = thread_voluntary_switches();
        for _ in 0..per_thread {
            match lock {
                Lock::Std => *std_m.lock().unwrap() += 1,
                Lock::ParkingLot => *pl_m.lock() += 1,
                Lock::Spin(style) => spin.with(style, |v| *v += 1),
                Lock::FetchAdd => {
                    // Relaxed: the reference counter publishes nothing; it is read only
                    // after run_team has joined the threads.
                    atomic.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let slept = thread_voluntary_switches().saturating_sub(before);
        // Relaxed: a statistic read only after run_team has joined the threads; the join
        // orders it.
        sleeps.fetch_add(slept, Ordering::Relaxed);
    });
    let total = threads as u64 * per_thread;
    let got = match lock {
        Lock::Std => *std_m.lock().unwrap(),
        Lock::ParkingLot => *pl_m.lock(),
        Lock::Spin(style) => {
            let mut v = 0;
            spin.with(style, |x| v = *x);
            v
        }
        // Relaxed: run_team has joined the threads; the join orders their adds before it.
        Lock::FetchAdd => atomic.load(Ordering::Relaxed),
    };
    assert_eq!(got, total, "the lock lost an increment");
    // A thread that waits in futex (or is preempted while yielding) gives up its core: a
    // voluntary context switch. An uncontended lock never does.
    note(
        "sleeps in the kernel per 1,000 sections",
        1_000.0 * sleeps.into_inner() as f64 / total as f64,
    );
    t.as_nanos() as f64 / total as f64
}

fn experiment(ctx: &Ctx, title: &str, threads: usize, per_thread: u64) -> Option<Report> {
    // With more threads than cores, run in the normal class even under --realtime: the
    // experiment is about what the normal scheduler does to a preempted lock holder.
    let normal = threads > crate::machine::online_cpus();
    let realtime = ctx.realtime;
    let cases = [
        ("std::sync::Mutex", Lock::Std),
        ("parking_lot::Mutex", Lock::ParkingLot),
        ("spinlock: swap loop", Lock::Spin(Style::Swap)),
        ("spinlock: TTAS", Lock::Spin(Style::Ttas)),
        (
            "spinlock: TTAS, yield after 100 spins",
            Lock::Spin(Style::TtasYield),
        ),
        ("(reference) fetch_add, no lock", Lock::FetchAdd),
    ];
    let mut e = ctx.experiment(title, "ns per locked increment (whole team)", Better::Lower);
    for (name, lock) in cases {
        e = e.case(name, move || {
            if normal {
                crate::util::normal_class(realtime, || team(threads, per_thread, lock))
            } else {
                team(threads, per_thread, lock)
            }
        });
    }
    e.run()
}

pub fn run(ctx: &Ctx) {
    let n = ctx.size(1_000_000, 10_000) as u64;
    let alone = experiment(ctx, "locks: uncontended, 1 thread", 1, n);
    let two = experiment(ctx, "locks: contended, 2 threads on 2 cores", 2, n / 2);
    let four = experiment(ctx, "locks: oversubscribed, 4 threads on 2 cores", 4, n / 8);
    if let (Some(alone), Some(_), Some(_)) = (alone, two, four) {
        println!(
            "{n} / {} / {} increments per thread per round.",
            n / 2,
            n / 8
        );
        chart::bars(
            ctx,
            "locks-uncontended.svg",
            "Lock + increment + unlock, one thread",
            "ns per locked increment",
            &chart::bars_of(&alone),
        );
    }
}
