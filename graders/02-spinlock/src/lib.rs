//! Grader for exercise 02 (spinlock).
//!
//! The tests in `tests/` judge the crate under test, which is re-exported here as [`imp`]:
//! the learner's `spinlock` with the `exercise` feature, the reference `spinlock-solution`
//! with `solution`.
//!
//! | file | stage | what it checks |
//! |---|---|---|
//! | `tests/visible.rs` | visible | the exercise's own examples |
//! | `tests/properties.rs` | properties | random single-thread `lock`/`try_lock`/unlock/read/write sequences against a model; random concurrent sequences add up; drops; unlock on panic; `Send`/`Sync` of lock and guard |
//! | `tests/loom.rs` | loom | mutual exclusion, visibility of writes under the lock, `try_lock`; a `Relaxed` lock fails the visibility model |
//! | `tests/stress.rs` | stress | exact totals of plain counters under 2, 4 and 8 threads, no torn pairs, `try_lock` pollers, tracked values pushed under the lock, within a deadline |
//! | `benches/uncontended.rs` | bench | criterion: uncontended lock+unlock and try_lock+unlock vs std, parking_lot, spin |
//! | `benches/contended.rs` | bench | interleaved rounds × processes: 1, 2 and 4 (oversubscribed) threads, 1-increment and 24-step critical sections, handovers |
//! | `benches/instructions.rs` | bench | callgrind instruction counts of an uncontended lock+unlock |

#[cfg(feature = "solution")]
pub use spinlock_solution as imp;

#[cfg(all(feature = "exercise", not(feature = "solution")))]
pub use spinlock as imp;

#[cfg(not(any(feature = "exercise", feature = "solution")))]
compile_error!("enable the `exercise` or the `solution` feature to choose the crate under test");

/// The reference solution, for benches that compare against it.
#[cfg(feature = "reference")]
pub use spinlock_solution as reference;

/// How benches and reports name the crate under test.
pub const UNDER_TEST: &str = if cfg!(feature = "solution") {
    "solution"
} else {
    "yours"
};
