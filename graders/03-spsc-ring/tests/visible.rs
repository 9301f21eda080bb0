//! The exercise's visible tests (the pristine copy in `../stub/`), run against the crate
//! under test.
#[cfg(feature = "solution")]
extern crate spsc_ring_solution as spsc_ring;

#[path = "../stub/tests/visible.rs"]
mod visible;
