//! The exercise's visible tests (the pristine copy in `../stub/`), run against the crate
//! under test.
#[cfg(feature = "solution")]
extern crate hazard_stack_solution as hazard_stack;

#[path = "../stub/tests/visible.rs"]
mod visible;
