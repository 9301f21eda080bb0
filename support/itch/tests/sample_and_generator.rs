//! The MIT-licensed sample file (when present) and the generator's promises.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use course_itch::session::{SessionConfig, generate};
use course_itch::{Message, Side, TypeCounts, frames};

/// `../shared/data/itch/ex20101224.TEST_ITCH_50` next to the course's root, if present.
fn sample_path() -> Option<PathBuf> {
    let root = std::env::var_os("COURSE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."));
    let p = root.join("../shared/data/itch/ex20101224.TEST_ITCH_50");
    p.is_file().then_some(p)
}

#[test]
fn the_sample_file_has_the_published_message_counts() {
    let Some(path) = sample_path() else {
        eprintln!("skipped: the ITCH sample file is not in ../shared/data/itch");
        return;
    };
    let bytes = std::fs::read(path).unwrap();
    let mut counts = TypeCounts::new();
    for m in frames(&bytes) {
        counts.add(m.expect("the sample decodes").kind());
    }
    // The counts that RITCH's `count_messages()` documents for this file.
    let expected = [
        (b'S', 6),
        (b'R', 3),
        (b'H', 3),
        (b'A', 4997),
        (b'F', 3),
        (b'E', 198),
        (b'X', 45),
        (b'D', 1745),
        (b'U', 12),
        (b'P', 5000),
    ];
    assert_eq!(
        counts.nonzero(),
        expected.iter().map(|&(k, n)| (k, n)).collect::<Vec<_>>()
    );
    assert_eq!(counts.total(), 12_012);
}

/// A minimal book for checking the generator: per stock and side, price -> shares; and the
/// orders.
#[derive(Default)]
struct Check {
    orders: HashMap<u64, (u16, Side, u32, u32)>,
    levels: BTreeMap<(u16, bool, u32), u64>,
}

impl Check {
    fn level(&mut self, locate: u16, side: Side, price: u32, delta: i64) {
        let key = (locate, side == Side::Buy, price);
        let v = self.levels.entry(key).or_default();
        *v = (*v as i64 + delta) as u64;
        if *v == 0 {
            self.levels.remove(&key);
        }
    }
    fn take(&mut self, id: u64, shares: u32) {
        let o = self.orders.get_mut(&id).expect("a known order");
        assert!(shares >= 1 && shares <= o.3, "takes {shares} of {}", o.3);
        o.3 -= shares;
        let (locate, side, price, left) = *o;
        if left == 0 {
            self.orders.remove(&id);
        }
        self.level(locate, side, price, -i64::from(shares));
    }
    fn best(&self, locate: u16, buy: bool) -> Option<u32> {
        let mut r = self
            .levels
            .range((locate, buy, 0)..=(locate, buy, u32::MAX))
            .map(|(k, _)| k.2);
        if buy { r.next_back() } else { r.next() }
    }
}

#[test]
fn a_generated_session_is_consistent_uncrossed_and_deterministic() {
    let cfg = SessionConfig {
        seed: 7,
        messages: 60_000,
        stocks: 8,
        target_live: 300,
    };
    let day = generate(&cfg);
    assert_eq!(day.bytes, generate(&cfg).bytes, "same config, same bytes");
    let mut check = Check::default();
    let mut counts = TypeCounts::new();
    let mut last_ts = 0;
    for m in frames(&day.bytes) {
        let m = m.unwrap();
        counts.add(m.kind());
        let ts = u64::from_be_bytes({
            let b = m.bytes();
            [0, 0, b[5], b[6], b[7], b[8], b[9], b[10]]
        });
        assert!(ts >= last_ts, "timestamps never go back");
        last_ts = ts;
        let locate = m.locate();
        match m {
            Message::AddOrder(a) => {
                assert!(
                    check
                        .orders
                        .insert(a.order(), (locate, a.side(), a.price(), a.shares()))
                        .is_none()
                );
                assert_eq!(a.price() % 100, 0, "whole cents");
                check.level(locate, a.side(), a.price(), i64::from(a.shares()));
            }
            Message::OrderExecuted(e) => {
                // Executions take the best level's price.
                let (l, side, price, _) = check.orders[&e.order()];
                assert_eq!(Some(price), check.best(l, side == Side::Buy));
                check.take(e.order(), e.shares());
            }
            Message::OrderExecutedWithPrice(e) => check.take(e.order(), e.shares()),
            Message::OrderCancel(x) => {
                assert!(
                    x.shares() < check.orders[&x.order()].3,
                    "a cancel is partial"
                );
                check.take(x.order(), x.shares());
            }
            Message::OrderDelete(d) => {
                let left = check.orders[&d.order()].3;
                check.take(d.order(), left);
            }
            Message::OrderReplace(u) => {
                let (l, side, _, left) = check.orders[&u.order()];
                check.take(u.order(), left);
                assert!(
                    check
                        .orders
                        .insert(u.new_order(), (l, side, u.price(), u.shares()))
                        .is_none()
                );
                check.level(l, side, u.price(), i64::from(u.shares()));
            }
            _ => {}
        }
        if let (Some(b), Some(a)) = (check.best(locate, true), check.best(locate, false)) {
            assert!(b < a, "stock {locate} crossed: bid {b} >= ask {a}");
        }
    }
    assert_eq!(counts, day.counts);
    assert_eq!(counts.total(), day.messages);
    assert_eq!(day.stocks.len(), 8);
    // The mix: mostly adds and deletes, some replaces, few executions.
    let share = |k: u8| counts.get(k) as f64 / cfg.messages as f64;
    assert!(share(b'A') + share(b'F') > 0.40, "{counts:?}");
    assert!(share(b'D') > 0.30, "{counts:?}");
    assert!(share(b'U') > 0.04, "{counts:?}");
    assert!(share(b'E') > 0.01 && share(b'E') < 0.06, "{counts:?}");
    assert!(day.max_peak_live() >= 300, "books fill up to the target");
}

#[test]
fn percentiles_and_queueing() {
    use course_itch::Percentiles;
    use course_itch::replay::queue_response_times;
    let mut h = Percentiles::histogram();
    for v in 1..=1000u64 {
        h.record(v).unwrap();
    }
    let p = Percentiles::of(&h);
    assert_eq!(p.count, 1000);
    assert!((499..=501).contains(&p.p50), "{p}");
    assert_eq!(p.max, 1000);
    // Two messages arrive together; the second waits for the first.
    let mut r = Vec::new();
    queue_response_times(&[0, 0, 100], &[10, 10, 10], |x| r.push(x));
    assert_eq!(r, vec![10, 20, 10]);
}
