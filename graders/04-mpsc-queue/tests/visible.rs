//! The exercise's visible tests (the pristine copy in `../stub/`), run against the crate
//! under test.
#[cfg(feature = "solution")]
extern crate mpsc_queue_solution as mpsc_queue;

#[path = "../stub/tests/visible.rs"]
mod visible;
