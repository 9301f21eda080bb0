//! Property tests of `Rcu` against a sequential model (values, versions, guards held
//! across stores, every value dropped exactly once and promptly), its thread-safety
//! bounds, and the `ConfigStore` on a real file in a temporary directory: it reloads a
//! changed file, keeps the last good configuration when the new one is invalid and reports
//! why, with bounded waits.

use std::path::Path;
use std::time::{Duration, Instant};

use course_testkit::drops::{DropTracker, Tracked};
use proptest::prelude::*;
use rcu_config_grader::imp::{Config, ConfigError, ConfigStore, Guard, Rcu};

#[derive(Debug, Clone)]
enum Op {
    Store(u64),
    Update(u64),
    /// Load and keep the guard.
    Load,
    /// Drop the i-th kept guard (modulo how many there are).
    Release(usize),
    Version,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u64>().prop_map(Op::Store),
        2 => (0u64..1000).prop_map(Op::Update),
        3 => Just(Op::Load),
        2 => any::<usize>().prop_map(Op::Release),
        1 => Just(Op::Version),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        // Never write regression files into the grader: it must stay pristine.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn rcu_matches_a_sequential_model(ops in prop::collection::vec(op(), 0..60)) {
        let tracker = DropTracker::new(200);
        let rcu = Rcu::new(tracker.track(0u64));
        let (mut value, mut version) = (0u64, 0u64);
        // Guards held, with the value and version each must keep showing.
        let mut held: Vec<(Guard<Tracked<u64>>, u64, u64)> = Vec::new();
        for op in &ops {
            match op {
                Op::Store(v) => {
                    rcu.store(tracker.track(*v));
                    (value, version) = (*v, version + 1);
                }
                Op::Update(d) => {
                    let mut seen = None;
                    rcu.update(|old| {
                        seen = Some(*old.get());
                        tracker.track(old.get().wrapping_add(*d))
                    });
                    prop_assert_eq!(seen, Some(value), "update must see the current value");
                    (value, version) = (value.wrapping_add(*d), version + 1);
                }
                Op::Load => {
                    let g = rcu.load();
                    prop_assert_eq!(*g.get(), value);
                    prop_assert_eq!(Guard::version(&g), version);
                    held.push((g, value, version));
                }
                Op::Release(i) => {
                    if !held.is_empty() {
                        let i = i % held.len();
                        held.swap_remove(i);
                    }
                }
                Op::Version => prop_assert_eq!(rcu.version(), version),
            }
            for (g, v, ver) in &held {
                prop_assert_eq!(*g.get(), *v, "a held value changed after later stores");
                prop_assert_eq!(Guard::version(g), *ver);
            }
            // Replaced values are dropped as soon as no guard holds them: alive are the
            // current value and the distinct values the guards hold.
            let mut distinct: Vec<u64> = held.iter().map(|h| h.2).collect();
            distinct.push(version);
            distinct.sort_unstable();
            distinct.dedup();
            prop_assert_eq!(
                tracker.alive(),
                distinct.len(),
                "values alive: expected the current one and those still held by guards"
            );
        }
        drop(held);
        drop(rcu);
        tracker.assert_all_dropped();
    }
}

/// Compile-time facts, checked at run time so that the test also exercises the crate.
#[test]
fn rcu_is_send_and_sync_exactly_when_t_is() {
    use std::marker::PhantomData;
    struct Probe<T>(PhantomData<T>);
    // The fallbacks are only used when the bounds are right (not on an unmarked stub).
    #[allow(dead_code)]
    trait Fallback {
        fn is_send(&self) -> bool {
            false
        }
    }
    impl<T> Fallback for Probe<T> {}
    impl<T: Send> Probe<T> {
        fn is_send(&self) -> bool {
            true
        }
    }
    struct SyncProbe<T>(PhantomData<T>);
    #[allow(dead_code)]
    trait SyncFallback {
        fn is_sync(&self) -> bool {
            false
        }
    }
    impl<T> SyncFallback for SyncProbe<T> {}
    impl<T: Sync> SyncProbe<T> {
        fn is_sync(&self) -> bool {
            true
        }
    }
    assert!(Probe::<Rcu<String>>(PhantomData).is_send());
    assert!(SyncProbe::<Rcu<String>>(PhantomData).is_sync());
    // Cell<u32> is Send but not Sync: readers on several threads would share one.
    assert!(
        !SyncProbe::<Rcu<std::cell::Cell<u32>>>(PhantomData).is_sync(),
        "Rcu<Cell<u32>> must not be Sync: loads on two threads would share one Cell"
    );
    assert!(
        !Probe::<Rcu<std::rc::Rc<u32>>>(PhantomData).is_send(),
        "Rcu<Rc<u32>> must not be Send"
    );
    assert!(!SyncProbe::<Rcu<std::rc::Rc<u32>>>(PhantomData).is_sync());

    let rcu = Rcu::new(String::from("a"));
    std::thread::scope(|s| {
        s.spawn(|| rcu.store("b".into()));
    });
    assert_eq!(*rcu.load(), "b");
}

// ---------------------------------------------------------------------------------------
// ConfigStore on real files.

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct Limits {
    max_qty: u64,
    max_notional: u64,
    symbols: Vec<String>,
}

impl Config for Limits {
    fn validate(&self) -> Result<(), String> {
        if self.max_qty == 0 {
            return Err("max_qty must be positive".into());
        }
        if self.max_notional < self.max_qty {
            return Err("max_notional must be at least max_qty".into());
        }
        Ok(())
    }
}

fn limits(qty: u64) -> String {
    format!(
        "max_qty = {qty}\nmax_notional = {}\nsymbols = [\"AAPL\", \"MSFT\"]\n",
        qty * 100
    )
}

/// Replaces the file the way deployment tools do: write a temporary file, rename it over.
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Polls `cond` until it holds or `limit` passes (scaled by COURSE_TIMEOUT_SCALE).
fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit.mul_f64(course_testkit::stress::timeout_scale());
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    cond()
}

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn open_reads_and_validates_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("limits.toml");
    std::fs::write(&path, limits(10)).unwrap();
    let store = ConfigStore::<Limits>::open(&path).unwrap();
    assert_eq!(store.current().max_qty, 10);
    assert_eq!(store.current().symbols, ["AAPL", "MSFT"]);
    assert_eq!(store.version(), 0);
    assert_eq!(store.last_error(), None);
    assert!(store.path().ends_with("limits.toml"));
}

#[test]
fn open_refuses_a_missing_unparsable_or_invalid_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("limits.toml");
    assert!(matches!(
        ConfigStore::<Limits>::open(&path),
        Err(ConfigError::Read(_))
    ));
    std::fs::write(&path, "max_qty = [oops").unwrap();
    assert!(matches!(
        ConfigStore::<Limits>::open(&path),
        Err(ConfigError::Parse(_))
    ));
    std::fs::write(&path, "max_qty = 10\n").unwrap(); // missing fields
    assert!(matches!(
        ConfigStore::<Limits>::open(&path),
        Err(ConfigError::Parse(_))
    ));
    std::fs::write(&path, limits(0)).unwrap();
    match ConfigStore::<Limits>::open(&path) {
        Err(ConfigError::Invalid(why)) => assert!(why.contains("max_qty"), "{why}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn a_changed_file_is_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("limits.toml");
    std::fs::write(&path, limits(10)).unwrap();
    let store = ConfigStore::<Limits>::open(&path).unwrap();
    let old = store.current();

    replace(&path, &limits(20));
    assert!(
        eventually(WAIT, || store.current().max_qty == 20),
        "the store did not pick up the renamed-over file within {WAIT:?}"
    );
    assert!(store.version() >= 1);
    assert_eq!(store.last_error(), None);
    assert_eq!(
        old.max_qty, 10,
        "a guard loaded before the reload keeps the old config"
    );

    // An in-place write (truncate, then write) is picked up too, possibly after a
    // transient parse error for the half-written file.
    std::fs::write(&path, limits(30)).unwrap();
    assert!(
        eventually(WAIT, || store.current().max_qty == 30
            && store.last_error().is_none()),
        "the store did not pick up the rewritten file within {WAIT:?}: {:?}",
        store.last_error()
    );
}

#[test]
fn an_invalid_file_keeps_the_last_good_config_and_reports_why() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("limits.toml");
    std::fs::write(&path, limits(10)).unwrap();
    let store = ConfigStore::<Limits>::open(&path).unwrap();

    replace(&path, &limits(0));
    assert!(
        eventually(WAIT, || matches!(
            store.last_error(),
            Some(ConfigError::Invalid(_))
        )),
        "no Invalid error reported within {WAIT:?}: {:?}",
        store.last_error()
    );
    assert_eq!(
        store.current().max_qty,
        10,
        "an invalid file replaced the config"
    );
    assert_eq!(store.version(), 0);

    replace(&path, "max_qty = \"ten\"\n");
    assert!(
        eventually(WAIT, || matches!(
            store.last_error(),
            Some(ConfigError::Parse(_))
        )),
        "no Parse error reported within {WAIT:?}: {:?}",
        store.last_error()
    );
    assert_eq!(store.current().max_qty, 10);

    // Fixing the file loads it and clears the error.
    replace(&path, &limits(40));
    assert!(
        eventually(WAIT, || store.current().max_qty == 40
            && store.last_error().is_none()),
        "the fixed file was not loaded within {WAIT:?}: {:?}",
        store.last_error()
    );
}

#[test]
fn explicit_reload_reports_and_skips_unchanged_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("limits.toml");
    std::fs::write(&path, limits(10)).unwrap();
    let store = ConfigStore::<Limits>::open(&path).unwrap();
    assert_eq!(
        store.reload(),
        Ok(0),
        "reloading the same text changes nothing"
    );
    assert_eq!(store.version(), 0);

    std::fs::remove_file(&path).unwrap();
    assert!(matches!(store.reload(), Err(ConfigError::Read(_))));
    assert!(matches!(store.last_error(), Some(ConfigError::Read(_))));
    assert_eq!(store.current().max_qty, 10);

    replace(&path, &limits(50));
    let v = store.reload().expect("a valid file reloads");
    assert!(v >= 1);
    assert_eq!(store.current().max_qty, 50);
    assert_eq!(store.last_error(), None);
}
