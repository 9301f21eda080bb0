//! Stress tests: readers check invariants of the configuration (and keep some guards for
//! a while, re-checking them) while writers swap it; every configuration is dropped
//! exactly once; concurrent updates lose nothing; and a `ConfigStore` serves consistent
//! configurations to readers while its file is rewritten. Each run has a deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use course_testkit::drops::{DropTracker, Tracked};
use course_testkit::stress::{Stress, scaled};
use rcu_config_grader::imp::{Config, ConfigStore, Guard, Rcu};

/// A configuration with internal invariants a torn or freed value would break.
#[derive(Debug, Clone, PartialEq)]
struct Cfg {
    generation: u64,
    limit: u64,
    limit_times_three: u64,
    name: String,
}

impl Cfg {
    fn new(generation: u64) -> Self {
        let limit = generation.wrapping_mul(0x9E37_79B9) | 1;
        Self {
            generation,
            limit,
            limit_times_three: limit.wrapping_mul(3),
            name: format!("config #{generation}"),
        }
    }
    fn check(&self) {
        assert_eq!(
            self.limit_times_three,
            self.limit.wrapping_mul(3),
            "inconsistent config: {self:?}"
        );
        assert_eq!(
            self.name,
            format!("config #{}", self.generation),
            "inconsistent config: {self:?}"
        );
        assert_eq!(self.limit, self.generation.wrapping_mul(0x9E37_79B9) | 1);
    }
}

#[test]
fn readers_see_consistent_configs_and_each_is_dropped_once() {
    let stores = scaled(20_000);
    let tracker = DropTracker::new(2 * stores as usize + 10);
    let rcu = Arc::new(Rcu::new(tracker.track(Cfg::new(0))));
    let done = Arc::new(AtomicBool::new(false));
    let writer = |updates: bool| {
        let (rcu, tracker, done) = (rcu.clone(), tracker.clone(), done.clone());
        move |p: &course_testkit::stress::Progress| {
            for _ in 0..stores {
                if updates {
                    rcu.update(|old| tracker.track(Cfg::new(old.get().generation + 1)));
                } else {
                    let next = Guard::version(&rcu.load()) + 1;
                    rcu.store(tracker.track(Cfg::new(next)));
                }
                p.tick();
            }
            done.store(true, Ordering::Release);
        }
    };
    let reader = {
        let (rcu, done) = (rcu.clone(), done.clone());
        move |_: usize, p: &course_testkit::stress::Progress| {
            // A few guards kept across many stores, re-checked every time.
            let mut kept: Vec<(Guard<Tracked<Cfg>>, Cfg)> = Vec::new();
            let mut last_version = 0;
            let mut loads = 0u64;
            while !done.load(Ordering::Acquire) || loads < 1000 {
                let seen_version = rcu.version();
                let g = rcu.load();
                g.get().check();
                let v = Guard::version(&g);
                assert!(
                    v >= seen_version,
                    "version() was {seen_version}, then load() returned version {v}"
                );
                assert!(
                    v >= last_version,
                    "went back in time: version {last_version}, then {v}"
                );
                last_version = v;
                loads += 1;
                if loads.is_multiple_of(64) {
                    let copy = g.get().clone();
                    kept.push((g, copy));
                    if kept.len() > 8 {
                        kept.remove(0);
                    }
                }
                for (g, copy) in &kept {
                    assert_eq!(g.get(), copy, "a held config changed");
                }
                p.tick();
            }
            loads
        }
    };
    let (storer, updater) = (writer(false), writer(true));
    let loads: u64 = Stress::new("2 writers (store, update), 2 readers")
        .deadline(Duration::from_secs(90))
        .thread("storer", move |p| {
            storer(p);
            0
        })
        .thread("updater", move |p| {
            updater(p);
            0
        })
        .threads(2, "reader", reader)
        .run()
        .iter()
        .sum();
    assert!(loads >= 2000, "the readers made only {loads} loads");
    assert_eq!(rcu.version(), 2 * stores, "a store or an update was lost");
    tracker.assert_alive(1);
    drop(rcu);
    tracker.assert_all_dropped();
}

#[test]
fn concurrent_updates_lose_nothing() {
    let per_thread = scaled(20_000);
    let rcu = Arc::new(Rcu::new(0u64));
    Stress::new("4 threads update(+1), 1 reader")
        .deadline(Duration::from_secs(60))
        .threads(4, "updater", {
            let rcu = rcu.clone();
            move |_, p| {
                for _ in 0..per_thread {
                    rcu.update(|n| n + 1);
                    p.tick();
                }
            }
        })
        .thread("reader", {
            let rcu = rcu.clone();
            move |p| {
                let mut last = 0;
                while last < 4 * per_thread {
                    let now = *rcu.load();
                    assert!(now >= last, "the value went backwards: {last}, then {now}");
                    last = now;
                    p.tick();
                }
            }
        })
        .run();
    assert_eq!(*rcu.load(), 4 * per_thread);
    assert_eq!(rcu.version(), 4 * per_thread);
}

#[derive(Debug, serde::Deserialize)]
struct Book {
    generation: u64,
    levels: Vec<u64>,
}

impl Config for Book {
    fn validate(&self) -> Result<(), String> {
        if self.levels.len() != 4 || self.levels.iter().any(|l| *l != self.generation) {
            return Err(format!(
                "levels {:?} do not all equal {}",
                self.levels, self.generation
            ));
        }
        Ok(())
    }
}

#[test]
fn a_config_store_serves_consistent_configs_while_its_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.toml");
    let text = |g: u64| format!("generation = {g}\nlevels = [{g}, {g}, {g}, {g}]\n");
    std::fs::write(&path, text(0)).unwrap();
    let store = Arc::new(ConfigStore::<Book>::open(&path).unwrap());
    let rewrites = 20u64;
    let done = Arc::new(AtomicBool::new(false));
    Stress::new("config store: 2 readers while the file is rewritten")
        .deadline(Duration::from_secs(90))
        .thread("editor", {
            let (store, done) = (store.clone(), done.clone());
            move |p| {
                for g in 1..=rewrites {
                    // Every other rewrite in place, the others by rename.
                    if g.is_multiple_of(2) {
                        std::fs::write(&path, text(g)).unwrap();
                    } else {
                        let tmp = path.with_extension("tmp");
                        std::fs::write(&tmp, text(g)).unwrap();
                        std::fs::rename(&tmp, &path).unwrap();
                    }
                    // Wait (bounded) until the store serves it, then go on.
                    let deadline = Instant::now() + Duration::from_secs(10);
                    while store.current().generation != g {
                        assert!(
                            Instant::now() < deadline,
                            "generation {g} was not loaded within 10 s: {:?}",
                            store.last_error()
                        );
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    p.tick();
                }
                done.store(true, Ordering::Release);
            }
        })
        .threads(2, "reader", {
            let (store, done) = (store.clone(), done.clone());
            move |_, p| {
                let mut last = 0;
                while !done.load(Ordering::Acquire) {
                    let c = store.current();
                    assert!(c.validate().is_ok(), "served an invalid config: {c:?}");
                    assert!(
                        c.generation >= last,
                        "went back from {last} to {}",
                        c.generation
                    );
                    last = c.generation;
                    p.tick();
                }
            }
        })
        .run();
    assert_eq!(store.current().generation, rewrites);
}
