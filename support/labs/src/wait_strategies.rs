//! How fast a waiting thread notices that it may go on, by wait strategy.
//!
//! Two threads on two cores hand a turn back and forth (a ping-pong); each waits for its
//! turn with the strategy under test. The figure is the one-way hand-off time (half a
//! round trip). The note says how busy the two cores were meanwhile: a spinning waiter
//! keeps its core at 100% whether or not anything happens.
//!
//! - spin: `spin_loop()` (x86 `pause`) in a loop;
//! - yield: `thread::yield_now()` in a loop (a syscall; returns at once on an idle core);
//! - Backoff::snooze: crossbeam's spin-then-yield;
//! - park/unpark: sleep in the kernel (futex) until the other thread unparks us;
//! - sleep(1ns): a timed sleep, which Linux rounds up by the thread's timer slack (50 µs
//!   by default).
//!
//! Under `--realtime` the threads run in the real-time class (on a busy machine, normal
//! threads that spin-wait for each other are mostly waiting for the scheduler, not for
//! each other). That class changes two answers, and the lab shows both: a real-time thread
//! gets no timer slack, so its `sleep(1ns)` is short, and `yield_now` gives the core only to
//! other real-time threads. `sleep(1 ns)` is therefore also measured in the normal class,
//! which is what an ordinary program gets.
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::Thread;
use std::time::Duration;

use course_testkit::rounds::{Better, note};
use course_testkit::team::run_team;
use crossbeam_utils::{Backoff, CachePadded};

use crate::chart;
use crate::ctx::Ctx;
use crate::util::{thread_cpu_time, timer_slack_ns};

#[derive(Clone, Copy)]
enum Wait {
    Spin,
    Yield,
    Snooze,
    Park,
    Sleep,
}

/// `n` calls of one wait primitive by one thread, with nothing to wait for; ns per call.
fn one_call(n: u64, wait: Wait) -> f64 {
    note("timer slack (µs)", timer_slack_ns() as f64 / 1_000.0);
    let t = std::time::Instant::now();
    for _ in 0..n {
        match wait {
            Wait::Spin => std::hint::spin_loop(),
            Wait::Yield => std::thread::yield_now(),
            Wait::Sleep => std::thread::sleep(Duration::from_nanos(1)),
            Wait::Snooze | Wait::Park => unreachable!("not a single call"),
        }
    }
    t.elapsed().as_nanos() as f64 / n as f64
}

/// `rtts` round trips; returns ns per one-way hand-off and notes CPU use.
fn handoffs(rtts: u64, wait: Wait) -> f64 {
    let turn = CachePadded::new(AtomicU64::new(0));
    let threads: [OnceLock<Thread>; 2] = [OnceLock::new(), OnceLock::new()];
    let cpu_ns = AtomicU64::new(0);
    let slack_ns = AtomicU64::new(0);
    let wall = run_team(2, true, |t| {
        let _ = threads[t].set(std::thread::current());
        // Relaxed: a statistic read only after run_team has joined the threads.
        slack_ns.fetch_max(timer_slack_ns(), Ordering::Relaxed);
        // Both threads must be registered before anyone unparks.
        while threads[1 - t].get().is_none() {
            std::thread::yield_now();
        }
        let other = threads[1 - t].get().expect("registered");
        let cpu0 = thread_cpu_time();
        for i in 0..rtts {
            let want = 2 * i + t as u64;
            // Acquire pairs with the other thread's Release store of `want`.
            let ready = || turn.load(Ordering::Acquire) == want;
            let backoff = Backoff::new();
            while !ready() {
                match wait {
                    Wait::Spin => std::hint::spin_loop(),
                    Wait::Yield => std::thread::yield_now(),
                    Wait::Snooze => backoff.snooze(),
                    Wait::Park => std::thread::park(),
                    Wait::Sleep => std::thread::sleep(Duration::from_nanos(1)),
                }
            }
            // Release: hands the turn to the other thread's Acquire load in `ready`.
            turn.store(want + 1, Ordering::Release);
            if let Wait::Park = wait {
                other.unpark();
            }
        }
        let used = thread_cpu_time().saturating_sub(cpu0);
        // Relaxed: a statistic read only after run_team has joined the threads.
        cpu_ns.fetch_add(used.as_nanos() as u64, Ordering::Relaxed);
    });
    let busy = cpu_ns.into_inner() as f64 / (2.0 * wall.as_nanos() as f64);
    note("cores busy (%)", 100.0 * busy);
    note("timer slack (µs)", slack_ns.into_inner() as f64 / 1_000.0);
    wall.as_nanos() as f64 / (2 * rtts) as f64
}

pub fn run(ctx: &Ctx) {
    let q = |full: usize| ctx.size(full, (full / 50).max(20)) as u64;
    let (fast, park, sleep) = (q(4_000), q(1_000), q(200));
    let rt = ctx.realtime;
    let class = if rt {
        "real-time class"
    } else {
        "normal class"
    };
    let mut e = ctx
        .experiment(
            "wait strategies: one-way hand-off",
            "ns per hand-off",
            Better::Lower,
        )
        .case("spin (spin_loop)", move || handoffs(fast, Wait::Spin))
        .case("yield_now", move || handoffs(fast, Wait::Yield))
        .case("Backoff::snooze (spin, then yield)", move || {
            handoffs(fast, Wait::Snooze)
        })
        .case("park / unpark (futex)", move || handoffs(park, Wait::Park))
        .case(format!("sleep(1 ns), {class}"), move || {
            handoffs(sleep, Wait::Sleep)
        });
    if rt {
        e = e.case("sleep(1 ns), normal class", move || {
            crate::util::normal_class(rt, || handoffs(sleep, Wait::Sleep))
        });
    }
    let handoff = e.run();
    // What one call costs when there is nothing to wait for: the price of each step of a
    // backoff loop.
    let mut e = ctx
        .experiment(
            "wait primitives: one call, one thread",
            "ns per call",
            Better::Lower,
        )
        .case("spin_loop() (x86 pause)", move || {
            one_call(100 * fast, Wait::Spin)
        })
        .case("yield_now() (sched_yield)", move || {
            one_call(fast, Wait::Yield)
        })
        .case(format!("sleep(1 ns), {class}"), move || {
            one_call(sleep, Wait::Sleep)
        });
    if rt {
        e = e.case("sleep(1 ns), normal class", move || {
            crate::util::normal_class(rt, || one_call(sleep, Wait::Sleep))
        });
    }
    let calls = e.run();
    if let (Some(r), Some(_)) = (handoff, calls) {
        println!(
            "{fast} round trips per round for spin/yield/snooze, {park} for park, {sleep} for sleep;\n\
             {} spin_loop calls, {fast} yields, {sleep} sleeps per round.",
            100 * fast
        );
        chart::bars_log(
            ctx,
            "wait-strategies.svg",
            "Waking a waiting thread: one-way hand-off by wait strategy",
            "ns per hand-off",
            &chart::bars_of(&r),
        );
    }
}
