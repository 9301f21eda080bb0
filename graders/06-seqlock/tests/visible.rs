//! The exercise's visible tests (the pristine copy in `../stub/`), run against the crate
//! under test.
#[cfg(feature = "solution")]
extern crate seqlock_solution as seqlock;

#[path = "../stub/tests/visible.rs"]
mod visible;
