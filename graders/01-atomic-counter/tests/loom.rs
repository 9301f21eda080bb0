//! Loom models: in every interleaving of two threads (up to the preemption bound), no
//! increment is lost and a concurrent `sum` returns a value between the bounds.
//!
//! Compiled only under `--cfg loom` (`cargo xtask check` builds it that way).
#![cfg(loom)]

use atomic_counter_grader::imp::{AtomicCounter, Counter, ShardedCounter};
use course_sync::sync::Arc;
use course_sync::{model, thread};

fn two_threads_add<C: Counter + 'static>(make: fn() -> C) {
    model(move || {
        let c = Arc::new(make());
        let other = {
            let c = c.clone();
            thread::spawn(move || {
                c.increment();
                c.add(10);
            })
        };
        c.add(100);
        c.increment();
        other.join().unwrap();
        assert_eq!(c.sum(), 112, "an increment was lost");
    });
}

#[test]
fn atomic_counter_loses_no_increment() {
    two_threads_add(AtomicCounter::new);
}

#[test]
fn sharded_counter_loses_no_increment_with_one_shared_shard() {
    // One shard for two threads: the shard itself must be updated atomically.
    two_threads_add(|| ShardedCounter::new(1));
}

#[test]
fn sharded_counter_loses_no_increment_with_shards() {
    two_threads_add(|| ShardedCounter::new(2));
}

#[test]
fn a_concurrent_sum_is_between_the_bounds() {
    model(|| {
        let c = Arc::new(ShardedCounter::new(2));
        let writer = {
            let c = c.clone();
            thread::spawn(move || {
                c.add(1);
                c.add(2);
            })
        };
        let seen = c.sum();
        assert!(
            seen == 0 || seen == 1 || seen == 3,
            "sum() returned {seen}, which the counter never held"
        );
        writer.join().unwrap();
        assert_eq!(c.sum(), 3);
    });
}
