//! Grader for exercise 07 (RCU config).
//!
//! The tests in `tests/` judge the crate under test, which is re-exported here as [`imp`]:
//! the learner's `rcu-config` with the `exercise` feature, the reference
//! `rcu-config-solution` with `solution`.
//!
//! | file | stage | what it checks |
//! |---|---|---|
//! | `tests/visible.rs` | visible | the exercise's own examples |
//! | `tests/properties.rs` | properties | `Rcu` against a sequential model (values, versions, guards held across stores, each value dropped exactly once and as soon as nothing holds it); `Send`/`Sync` bounds; `ConfigStore` on real files: reload on change, last good config kept and the error reported on an invalid file |
//! | `tests/loom.rs` | loom | a load racing a store; a guard across two stores; concurrent updates; `version()` vs `load()`; the model rejects the naive `Arc`-in-an-`AtomicPtr` and accepts yours |
//! | `tests/stress.rs` | stress | readers check config invariants while two writers swap, each config dropped exactly once; concurrent updates; a `ConfigStore` served to readers while its file is rewritten |
//! | `benches/rcu_config.rs` | bench | `load` throughput with one writer, against arc-swap and `RwLock<Arc<T>>` |

#[cfg(feature = "solution")]
pub use rcu_config_solution as imp;

#[cfg(all(feature = "exercise", not(feature = "solution")))]
pub use rcu_config as imp;

#[cfg(not(any(feature = "exercise", feature = "solution")))]
compile_error!("enable the `exercise` or the `solution` feature to choose the crate under test");

/// The reference solution, for benches that compare against it.
#[cfg(feature = "reference")]
pub use rcu_config_solution as reference;

/// How benches and reports name the crate under test.
pub const UNDER_TEST: &str = if cfg!(feature = "solution") {
    "solution"
} else {
    "yours"
};
