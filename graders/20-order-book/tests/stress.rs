//! Stress tests: a generated session of over a million messages replays to the model's
//! books, and nothing allocates per message once the books are warm.

use std::time::Duration;

use course_itch::frames;
use course_itch::session::{SessionConfig, generate};
use course_testkit::alloc::{CountingAllocator, count, is_installed};
use course_testkit::stress::{Stress, scaled};
use order_book_grader::imp::{
    Engine, Hints, NewOrder, OrderBook, OrderKind, Replay, Side, TimeInForce,
};
use order_book_grader::model::RefReplay;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

/// A million order messages over 64 stocks: every message accepted by both, and at every
/// 100,000th message and at the end the same top of book for every stock; at the end the
/// same full depth.
#[test]
fn a_generated_session_of_a_million_messages_replays_to_the_models_books() {
    let messages = scaled(1_000_000) as usize;
    Stress::new("million-message replay")
        .deadline(Duration::from_secs(300))
        .thread("replay", move |progress| {
            let session = generate(&SessionConfig {
                messages,
                ..SessionConfig::default()
            });
            assert!(session.messages as usize > messages);
            let mut replay = Replay::default();
            let mut model = RefReplay::new();
            for (n, m) in frames(&session.bytes).enumerate() {
                let m = m.expect("well-formed");
                if let Err(e) = replay.apply(m) {
                    panic!("message {n} of a consistent session was refused: {e}");
                }
                model.apply(m).expect("the model accepts it");
                if n % 100_000 == 99_999 {
                    for (&locate, book) in &model.books {
                        let mine = replay.book(locate).expect("a book per stock");
                        assert_eq!(
                            (mine.best_bid(), mine.best_ask()),
                            (book.best_bid(), book.best_ask()),
                            "top of book of locate {locate} after {} messages",
                            n + 1
                        );
                    }
                }
                progress.tick();
            }
            for (&locate, book) in &model.books {
                let mine = replay.book(locate).expect("a book per stock");
                for side in [Side::Bid, Side::Ask] {
                    assert_eq!(
                        mine.depth(side, usize::MAX),
                        book.depth(side, usize::MAX),
                        "final {side:?} side of locate {locate}"
                    );
                }
                assert_eq!(mine.len(), book.len());
            }
        })
        .run();
}

/// Replaying the second half of a session allocates nothing once the first half has warmed
/// the books up (hints as large as the session's peak).
#[test]
fn replay_allocates_nothing_per_message_once_warm() {
    assert!(
        is_installed(),
        "the counting allocator is this binary's global allocator"
    );
    let session = generate(&SessionConfig {
        messages: 200_000,
        stocks: 16,
        ..SessionConfig::default()
    });
    let hints = Hints {
        orders: session.max_peak_live() + 64,
        ..Replay::ITCH_HINTS
    };
    let all: Vec<_> = frames(&session.bytes).map(Result::unwrap).collect();
    let (warm, rest) = all.split_at(all.len() / 2);
    let mut replay = Replay::new(hints);
    for &m in warm {
        replay.apply(m).unwrap();
    }
    let (refused, stats) = count(|| rest.iter().filter(|&&m| replay.apply(m).is_err()).count());
    assert_eq!(refused, 0);
    assert_eq!(
        stats.allocations,
        0,
        "{} allocations ({} bytes) while replaying {} messages into warm books",
        stats.allocations,
        stats.bytes,
        rest.len()
    );
}

/// Orders churn at prices that drift far across the ladder (so the window must move):
/// after a first round has grown everything, the next rounds allocate nothing.
#[test]
fn the_book_allocates_nothing_per_operation_once_warm() {
    let mut book = OrderBook::with_hints(Hints {
        orders: 512,
        levels: 256,
        tick: 1,
    });
    // The test's own bookkeeping, allocated once, outside the counted rounds.
    let mut live = std::collections::VecDeque::with_capacity(1_024);
    let round = |book: &mut OrderBook, live: &mut std::collections::VecDeque<u64>, base: u64| {
        for k in 0..20_000u64 {
            let id = base + k;
            // A drifting mid with orders around it, some far away.
            let mid = 10_000 + (k as i64 / 50) % 2_000 - 1_000;
            let side = if k % 2 == 0 { Side::Bid } else { Side::Ask };
            let off = (k % 7) as i64 + if k % 97 == 0 { 5_000 } else { 0 };
            let price = if side == Side::Bid {
                mid - 1 - off
            } else {
                mid + 1 + off
            };
            book.add(id, side, price, 1 + k % 5).unwrap();
            live.push_back(id);
            if live.len() > 300 {
                let old = live.pop_front().unwrap();
                if k % 3 == 0 {
                    let left = book.order(old).unwrap().qty;
                    book.execute(old, left).unwrap();
                } else {
                    book.delete(old).unwrap();
                }
            }
            if k % 5 == 0 {
                let victim = live.pop_back().unwrap();
                book.replace(victim, base + 1_000_000 + k, price, 2)
                    .unwrap();
                live.push_back(base + 1_000_000 + k);
            }
        }
        for id in live.drain(..) {
            book.delete(id).unwrap();
        }
        std::hint::black_box(book.best_bid());
    };
    round(&mut book, &mut live, 0);
    let (_, stats) = count(|| {
        round(&mut book, &mut live, 10_000_000);
        round(&mut book, &mut live, 20_000_000);
    });
    assert_eq!(
        stats.allocations, 0,
        "{} allocations ({} bytes) in 40,000 warm add/execute/delete/replace rounds",
        stats.allocations, stats.bytes
    );
    assert!(book.is_empty());
}

/// The engine reports fills through the callback without allocating, once warm.
#[test]
fn the_engine_allocates_nothing_per_order_once_warm() {
    let mut engine = Engine::with_hints(Hints {
        orders: 1_024,
        levels: 256,
        tick: 1,
    });
    let mut fills = 0u64;
    let mut traded = 0u64;
    let flow = |engine: &mut Engine, base: u64, fills: &mut u64, traded: &mut u64| {
        for k in 0..20_000u64 {
            let side = if k % 2 == 0 { Side::Bid } else { Side::Ask };
            let price = 1_000 + (k % 11) as i64 - 5;
            let kind = if k % 13 == 0 {
                OrderKind::Market
            } else {
                OrderKind::Limit(price)
            };
            let tif = if k % 5 == 0 {
                TimeInForce::Ioc
            } else {
                TimeInForce::Gtc
            };
            let order = NewOrder {
                id: base + k,
                owner: (k % 4) as u32,
                side,
                kind,
                tif,
                qty: 1 + k % 9,
            };
            engine
                .submit(order, |f| {
                    *fills += 1;
                    *traded += f.qty;
                })
                .unwrap();
            if k % 3 == 0 {
                let _ = engine.cancel(base + k - k % 6);
            }
        }
    };
    flow(&mut engine, 0, &mut fills, &mut traded);
    let before = fills;
    let (_, stats) = count(|| flow(&mut engine, 1_000_000, &mut fills, &mut traded));
    assert!(fills > before, "the flow trades");
    assert_eq!(
        stats.allocations, 0,
        "{} allocations ({} bytes) while matching 20,000 warm orders",
        stats.allocations, stats.bytes
    );
}
