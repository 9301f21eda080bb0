//! A lab for valgrind: one replay of the bench's 64-stock session (1,000,000 order
//! messages, seed 20) into one kind of book, so that callgrind can count instructions and
//! simulate the caches of the replay loop alone:
//!
//! ```text
//! cargo bench -p order-book-grader --no-default-features --features bench,solution --bench cachesim --no-run
//! valgrind --tool=callgrind --cache-sim=yes --D1=32768,8,64 --LL=524288,8,64 \
//!     --toggle-collect='cachesim::replay_*' target/release/deps/cachesim-* ladder
//! ```
//!
//! (`ladder` for the crate under test, `btreemap` for the graders' `BTreeMap` model, then
//! optionally `one` for the bench's one-stock session instead;
//! `--LL` is this machine's L2, so "LL misses" are L2 misses.) Without valgrind it just runs
//! both once, which `cargo xtask bench` does in passing.

use course_itch::frames;
use course_itch::session::{SessionConfig, generate};
use order_book_grader::imp::Replay;
use order_book_grader::model::RefReplay;

#[inline(never)]
fn replay_ladder(bytes: &[u8]) -> usize {
    let mut books = Replay::default();
    frames(bytes)
        .filter(|m| books.apply(*m.as_ref().expect("valid")).is_err())
        .count()
}

#[inline(never)]
fn replay_btreemap(bytes: &[u8]) -> usize {
    let mut books = RefReplay::new();
    frames(bytes)
        .filter(|m| books.apply(*m.as_ref().expect("valid")).is_err())
        .count()
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    // `one` as the second argument: the bench's one-stock session instead.
    let cfg = if std::env::args().nth(2).as_deref() == Some("one") {
        SessionConfig::one_busy_stock()
    } else {
        SessionConfig::default()
    };
    let session = generate(&cfg);
    let n = session.messages;
    if which != "btreemap" {
        let refused = replay_ladder(&session.bytes);
        println!("ladder: {n} messages, {refused} refused");
    }
    if which != "ladder" {
        let refused = replay_btreemap(&session.bytes);
        println!("btreemap: {n} messages, {refused} refused");
    }
}
