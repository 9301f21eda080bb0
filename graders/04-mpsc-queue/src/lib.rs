//! Grader for exercise 04-mpsc-queue (MPSC queue: Michael–Scott links, epochs and tags).
//!
//! The tests in `tests/` judge the crate under test, re-exported here as [`imp`].

#[cfg(feature = "solution")]
pub use mpsc_queue_solution as imp;

#[cfg(all(feature = "exercise", not(feature = "solution")))]
pub use mpsc_queue as imp;

#[cfg(not(any(feature = "exercise", feature = "solution")))]
compile_error!("enable the `exercise` or the `solution` feature to choose the crate under test");

/// The reference solution, for benches that compare against it.
#[cfg(feature = "reference")]
pub use mpsc_queue_solution as reference;

/// How benches and reports name the crate under test.
pub const UNDER_TEST: &str = if cfg!(feature = "solution") {
    "solution"
} else {
    "yours"
};
