//! Stress tests: many threads, every item popped exactly once, every value and node freed
//! exactly once, the retired backlog under its bound (also while a thread stalls holding a
//! hazard), within a deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as StdOrdering};
use std::time::Duration;

use course_sync::atomic::{AtomicPtr, Ordering};
use course_testkit::conservation::{self, Fifo, Item};
use course_testkit::drops::{DropTracker, Tracked};
use course_testkit::stress::{Stress, scaled};
use hazard_stack_grader::imp::{HazardDomain, Stack};
use hazard_stack_grader::retired_bound;

/// Samples the domain until `done`, failing if the backlog ever exceeds its bound.
/// Returns the largest backlog seen.
fn watch_backlog(domain: &HazardDomain, done: &AtomicBool) -> usize {
    let mut worst = 0;
    loop {
        let finished = done.load(StdOrdering::Acquire);
        // Retired first, slots second: slots only grow, so the bound is never understated.
        let retired = domain.retired();
        let bound = retired_bound(domain.slots(), domain.threshold());
        assert!(
            retired <= bound,
            "{retired} nodes retired and not freed, above the bound slots × (threshold + slots) = {bound}"
        );
        worst = worst.max(retired);
        if finished {
            return worst;
        }
        std::thread::yield_now();
    }
}

/// Two threads, each pushing and popping `per_thread` times, within a deadline.
fn two_poppers(name: &str, stack: &Arc<Stack<u64>>, per_thread: u64) {
    Stress::new(name)
        .deadline(Duration::from_secs(60))
        .threads(2, "worker", {
            let stack = stack.clone();
            move |t, progress| {
                for i in 0..per_thread {
                    stack.push(t as u64 * per_thread + i);
                    stack.pop();
                    progress.tick();
                }
            }
        })
        .run();
}

#[test]
fn four_threads_conserve_every_item_and_free_every_node() {
    const THREADS: usize = 4;
    let per_thread = scaled(40_000);
    let tracker = DropTracker::new(THREADS * per_thread as usize);
    let stack = Arc::new(Stack::with_threshold(8));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (stack, done) = (stack.clone(), done.clone());
        std::thread::spawn(move || watch_backlog(stack.domain(), &done))
    };
    let results = Stress::new("push/pop, 4 threads")
        .deadline(Duration::from_secs(60))
        .threads(THREADS, "worker", {
            let (stack, tracker) = (stack.clone(), tracker.clone());
            move |t, progress| {
                let mut popped = Vec::new();
                for seq in 0..per_thread {
                    stack.push(tracker.track(Item::new(t, seq)));
                    // Pop one in two pushes, then a burst of pops now and then, so the
                    // stack both grows and runs empty.
                    let pops = if seq % 64 == 63 { 40 } else { seq as usize % 2 };
                    for _ in 0..pops {
                        if let Some(v) = stack.pop() {
                            popped.push(*v.get());
                        }
                    }
                    progress.tick();
                }
                popped
            }
        })
        .run();
    done.store(true, StdOrdering::Release);
    watcher.join().expect("the backlog exceeded its bound");
    let mut logs = results;
    logs.push(std::iter::from_fn(|| stack.pop().map(|v| *v.get())).collect());
    let pushed = vec![per_thread; THREADS];
    if let Err(e) = conservation::check(&pushed, &logs, Fifo::None) {
        panic!("{e}");
    }
    assert!(stack.domain().slots() <= THREADS + 1);
    stack.domain().reclaim();
    assert_eq!(
        stack.domain().retired(),
        0,
        "with every thread done, reclaim() must free every popped node"
    );
    drop(stack);
    tracker.assert_all_dropped();
}

#[test]
fn the_backlog_stays_bounded_while_threads_pop() {
    let per_thread = scaled(100_000);
    let stack = Arc::new(Stack::new());
    let done = Arc::new(AtomicBool::new(false));
    let worst = {
        let (stack, done) = (stack.clone(), done.clone());
        std::thread::spawn(move || watch_backlog(stack.domain(), &done))
    };
    two_poppers("backlog under 2 poppers", &stack, per_thread);
    done.store(true, StdOrdering::Release);
    let worst = worst.join().expect("the backlog exceeded its bound");
    assert!(
        stack.domain().retired()
            <= retired_bound(stack.domain().slots(), stack.domain().threshold()),
        "worst backlog seen: {worst}"
    );
}

#[test]
fn a_stalled_reader_pins_one_node_not_the_backlog() {
    // One thread claims a hazard in the stack's domain, protects something, and then does
    // nothing until the others are done: a reader descheduled in the middle of a read.
    // With epochs it would hold back every node popped meanwhile; with hazard pointers it
    // holds back at most what its one slot protects.
    let per_thread = scaled(100_000);
    let stack = Arc::new(Stack::new());
    let done = Arc::new(AtomicBool::new(false));
    let stalled = Arc::new(AtomicBool::new(false));
    let staller = {
        let (stack, done, stalled) = (stack.clone(), done.clone(), stalled.clone());
        std::thread::spawn(move || {
            let target = Box::into_raw(Box::new(0u64));
            let source = AtomicPtr::new(target);
            let mut hazard = stack.domain().hazard();
            assert_eq!(hazard.protect(&source), target);
            stalled.store(true, StdOrdering::Release);
            while !done.load(StdOrdering::Acquire) {
                std::thread::sleep(Duration::from_millis(1));
            }
            drop(hazard);
            // SAFETY: never shared outside this thread, never retired.
            drop(unsafe { Box::from_raw(target) });
        })
    };
    while !stalled.load(StdOrdering::Acquire) {
        std::thread::yield_now();
    }
    let watcher = {
        let (stack, done) = (stack.clone(), done.clone());
        std::thread::spawn(move || watch_backlog(stack.domain(), &done))
    };
    two_poppers("2 poppers, 1 stalled reader", &stack, per_thread);
    let domain = stack.domain();
    let bound = retired_bound(domain.slots(), domain.threshold());
    let retired = domain.retired();
    assert!(
        retired <= bound,
        "a stalled reader held back {retired} of {} popped nodes; the bound is {bound}",
        2 * per_thread
    );
    done.store(true, StdOrdering::Release);
    let worst = watcher.join().expect("the backlog exceeded its bound");
    staller.join().unwrap();
    domain.reclaim();
    assert_eq!(domain.retired(), 0, "worst backlog seen: {worst}");
}

#[test]
fn readers_never_see_a_freed_object() {
    // A writer keeps replacing a shared object and retiring the old one; readers protect it
    // and read it. A read of a freed object finds its canary overwritten ("use after
    // drop"): a best-effort check (freed memory may be reused) that the model check and
    // the drop counts back up.
    let swaps = scaled(50_000) as usize;
    let tracker = DropTracker::new(swaps + 1);
    let domain = Arc::new(HazardDomain::with_threshold(8));
    let shared = Arc::new(AtomicPtr::new(Box::into_raw(Box::new(tracker.track(0u64)))));
    let done = Arc::new(AtomicBool::new(false));
    Stress::new("readers vs a retiring writer")
        .deadline(Duration::from_secs(60))
        .thread("writer", {
            let (domain, shared, done, tracker) = (
                domain.clone(),
                shared.clone(),
                done.clone(),
                tracker.clone(),
            );
            move |progress| {
                let mut hazard = domain.hazard();
                for i in 1..=swaps as u64 {
                    let new = Box::into_raw(Box::new(tracker.track(i)));
                    let old = shared.swap(new, Ordering::AcqRel);
                    // SAFETY: unlinked by our swap, from `Box::into_raw`, retired once.
                    unsafe { hazard.retire(old) };
                    progress.tick();
                }
                done.store(true, StdOrdering::Release);
            }
        })
        .threads(2, "reader", {
            let (domain, shared, done) = (domain.clone(), shared.clone(), done.clone());
            move |_, progress| {
                let mut last = 0;
                while !done.load(StdOrdering::Acquire) {
                    let mut hazard = domain.hazard();
                    for _ in 0..64 {
                        let p: *mut Tracked<u64> = hazard.protect(&shared);
                        // SAFETY: protected; `get` panics if the object was dropped.
                        let v = *unsafe { &*p }.get();
                        assert!(v >= last, "the shared value went back from {last} to {v}");
                        last = v;
                        progress.tick();
                    }
                }
            }
        })
        .run();
    let last = shared.swap(std::ptr::null_mut(), Ordering::AcqRel);
    {
        let mut hazard = domain.hazard();
        // SAFETY: unlinked, retired once.
        unsafe { hazard.retire(last) };
    }
    domain.reclaim();
    assert_eq!(domain.retired(), 0);
    assert!(
        domain.slots() <= 4,
        "three threads and the test: at most four slots"
    );
    tracker.assert_all_dropped();
}

#[test]
fn slots_are_reused_under_contention() {
    const THREADS: usize = 8;
    let rounds = scaled(20_000);
    let domain = Arc::new(HazardDomain::new());
    let source = Arc::new(AtomicPtr::new(Box::into_raw(Box::new(7u64))));
    Stress::new("claim and release, 8 threads")
        .deadline(Duration::from_secs(60))
        .threads(THREADS, "claimer", {
            let (domain, source) = (domain.clone(), source.clone());
            move |_, progress| {
                for _ in 0..rounds {
                    let mut hazard = domain.hazard();
                    let p = hazard.protect(&source);
                    // SAFETY: never retired: alive for the whole test.
                    assert_eq!(unsafe { *p }, 7);
                    progress.tick();
                }
            }
        })
        .run();
    assert!(
        domain.slots() <= THREADS,
        "{} slots for {THREADS} threads that each hold one hazard at a time: released slots must be reused",
        domain.slots()
    );
    // SAFETY: never retired; every hazard is gone.
    drop(unsafe { Box::from_raw(source.load(Ordering::Relaxed)) });
}
