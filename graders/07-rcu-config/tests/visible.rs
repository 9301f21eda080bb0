//! The exercise's visible tests (the pristine copy in `../stub/`), run against the crate
//! under test.
#[cfg(feature = "solution")]
extern crate rcu_config_solution as rcu_config;

#[path = "../stub/tests/visible.rs"]
mod visible;
