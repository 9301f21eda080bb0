//! The exercise's visible tests (the pristine copy in `../stub/`), run against the crate
//! under test.
#[cfg(feature = "solution")]
extern crate __LIB___solution as __LIB__;

#[path = "../stub/tests/visible.rs"]
mod visible;
