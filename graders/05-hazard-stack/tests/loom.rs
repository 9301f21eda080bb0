//! Loom models: every interleaving of two threads (up to the preemption bound) of
//! protect against a scan, of pops with reclamation on every pop, and of a slot changing
//! hands. Nodes are freed *during* the models (threshold 1: each retire scans), so a read
//! of a node that the domain has already freed, or whose freeing is not ordered after the
//! read, is reported ("use after free" or loom's "Causality violation").
//!
//! Compiled only under `--cfg loom` (`cargo xtask check` builds it that way).
#![cfg(loom)]

use course_sync::sync::Arc;
use course_sync::{model, thread};
use course_testkit::drops::{DropTracker, Tracked};
use hazard_stack_grader::imp::{HazardDomain, Stack};
use hazard_stack_grader::models::{self, SendPtr};

#[test]
fn protect_keeps_an_object_alive_across_a_scan() {
    models::protect_vs_scan::<HazardDomain>();
}

#[test]
fn two_pops_race_with_reclamation_on_every_pop() {
    model(|| {
        let tracker = DropTracker::new(2);
        let stack = Arc::new(Stack::with_threshold(1));
        stack.push(tracker.track(1u32));
        stack.push(tracker.track(2u32));
        let other = {
            let stack = stack.clone();
            thread::spawn(move || stack.pop().map(|v| *v.get()))
        };
        let mine = stack.pop().map(|v| *v.get());
        let theirs = other.join().unwrap();
        settle(
            stack,
            &tracker,
            [mine, theirs],
            "two pops of a two-element stack must return both elements",
        );
    });
}

#[test]
fn push_and_pop_race_a_pop() {
    model(|| {
        let tracker = DropTracker::new(2);
        let stack = Arc::new(Stack::with_threshold(1));
        stack.push(tracker.track(1u32));
        let other = {
            let stack = stack.clone();
            let tracker = tracker.clone();
            thread::spawn(move || {
                stack.push(tracker.track(2u32));
                stack.pop().map(|v| *v.get())
            })
        };
        let mine = stack.pop().map(|v| *v.get());
        let theirs = other.join().unwrap();
        settle(
            stack,
            &tracker,
            [mine, theirs],
            "each pop here always finds an element: the stack holds one more than was popped",
        );
    });
}

#[test]
fn a_released_slot_hands_its_retired_list_over() {
    model(|| {
        let tracker = DropTracker::new(2);
        // A threshold no list reaches: retired objects stay on their slot's list, which the
        // slot's next holder inherits.
        let domain = Arc::new(HazardDomain::with_threshold(100));
        let other = {
            let domain = domain.clone();
            let object = SendPtr(Box::into_raw(Box::new(tracker.track(1u32))));
            thread::spawn(move || {
                let object = object;
                let mut hazard = domain.hazard();
                // SAFETY: a fresh box, never shared, retired once.
                unsafe { hazard.retire(object.0) };
            })
        };
        {
            let mut hazard = domain.hazard();
            let object = Box::into_raw(Box::new(tracker.track(2u32)));
            // SAFETY: a fresh box, never shared, retired once.
            unsafe { hazard.retire(object) };
        }
        other.join().unwrap();
        assert!(
            domain.slots() >= 1 && domain.slots() <= 2,
            "two threads, at most two slots"
        );
        assert_eq!(
            domain.retired(),
            2,
            "both objects are retired and none is freed yet"
        );
        assert_eq!(
            domain.reclaim(),
            2,
            "nothing protects them: reclaim frees both"
        );
        assert_eq!(domain.retired(), 0);
        tracker.assert_all_dropped();
    });
}

/// After both threads are done: the two pops returned the two elements, the stack is
/// empty, `reclaim` frees every popped node, and every value was dropped exactly once.
fn settle(
    stack: Arc<Stack<Tracked<u32>>>,
    tracker: &DropTracker,
    popped: [Option<u32>; 2],
    why: &str,
) {
    let mut popped = popped;
    popped.sort();
    assert_eq!(popped, [Some(1), Some(2)], "{why}");
    assert!(stack.is_empty());
    assert_eq!(stack.pop().map(|v| *v.get()), None);
    stack.domain().reclaim();
    assert_eq!(
        stack.domain().retired(),
        0,
        "with every thread done, reclaim() must free every popped node"
    );
    drop(stack);
    tracker.assert_all_dropped();
}
