//! The exercise's visible tests (the pristine copy in `../stub/`), run against the crate
//! under test.
#[cfg(feature = "solution")]
extern crate spinlock_solution as spinlock;

#[path = "../stub/tests/visible.rs"]
mod visible;
