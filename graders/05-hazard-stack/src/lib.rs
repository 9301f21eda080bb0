//! Grader for exercise 05-hazard-stack (Hazard-pointer stack: Treiber, protect and retire).
//!
//! The tests in `tests/` judge the crate under test, re-exported here as [`imp`].

#[cfg(feature = "solution")]
pub use hazard_stack_solution as imp;

#[cfg(all(feature = "exercise", not(feature = "solution")))]
pub use hazard_stack as imp;

#[cfg(not(any(feature = "exercise", feature = "solution")))]
compile_error!("enable the `exercise` or the `solution` feature to choose the crate under test");

/// The reference solution, for benches that compare against it.
#[cfg(feature = "reference")]
pub use hazard_stack_solution as reference;

/// How benches and reports name the crate under test.
pub const UNDER_TEST: &str = if cfg!(feature = "solution") {
    "solution"
} else {
    "yours"
};
