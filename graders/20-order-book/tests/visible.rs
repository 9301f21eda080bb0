//! The exercise's visible tests (the pristine copy in `../stub/`), run against the crate
//! under test.
#[cfg(feature = "solution")]
extern crate order_book_solution as order_book;

#[path = "../stub/tests/visible.rs"]
mod visible;
