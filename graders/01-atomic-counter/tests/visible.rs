//! The exercise's visible tests (the pristine copy in `../stub/`), run against the crate
//! under test.
#[cfg(feature = "solution")]
extern crate atomic_counter_solution as atomic_counter;

#[path = "../stub/tests/visible.rs"]
mod visible;
