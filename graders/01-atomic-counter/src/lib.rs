//! Grader for exercise 01 (atomic counter).
//!
//! The tests in `tests/` judge the crate under test, which is re-exported here as [`imp`]:
//! the learner's `atomic-counter` with the `exercise` feature, the reference
//! `atomic-counter-solution` with `solution`.
//!
//! | file | stage | what it checks |
//! |---|---|---|
//! | `tests/visible.rs` | visible | the exercise's own examples |
//! | `tests/properties.rs` | properties | random per-thread operation sequences against a model total; layout (padding) |
//! | `tests/loom.rs` | loom | no increment is lost in any interleaving of two threads |
//! | `tests/stress.rs` | stress | exact totals and monotonic sums under many threads, within a deadline |
//! | `benches/counter.rs` | bench | shared `AtomicU64` vs unpadded shards vs padded shards, 1/2/4 threads |

#[cfg(feature = "solution")]
pub use atomic_counter_solution as imp;

#[cfg(all(feature = "exercise", not(feature = "solution")))]
pub use atomic_counter as imp;

#[cfg(not(any(feature = "exercise", feature = "solution")))]
compile_error!("enable the `exercise` or the `solution` feature to choose the crate under test");

/// The reference solution, for benches that compare against it.
#[cfg(feature = "reference")]
pub use atomic_counter_solution as reference;

/// How benches and reports name the crate under test.
pub const UNDER_TEST: &str = if cfg!(feature = "solution") {
    "solution"
} else {
    "yours"
};
