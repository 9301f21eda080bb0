//! What the unpredictable dispatch on the message type costs: the decode-only loop over a
//! generated session as it is, then over the same messages sorted by type (so that the
//! branch on the type is taken the same way thousands of times in a row), then the framing
//! alone (the length prefixes, no parsing). Interleaved, several times.
//!
//! ```text
//! cargo run --release -p course-itch --example dispatch_cost [stocks]
//! ```
//!
//! Chapter 20 ("Branches the predictor cannot learn") quotes its output.

use std::hint::black_box;
use std::time::Instant;

use course_itch::decode::split_frame;
use course_itch::frames;
use course_itch::session::{SessionConfig, generate};

/// Decodes every message and touches the fields a book reads.
#[inline(never)]
fn decode_only(bytes: &[u8]) -> (u64, u64) {
    let (mut acc, mut n) = (0u64, 0u64);
    for m in frames(bytes) {
        let m = m.unwrap_or_else(|e| panic!("{e}"));
        n += 1;
        acc = acc.wrapping_add(m.book_fields_digest());
        black_box(acc);
    }
    (acc, n)
}

/// Walks the length prefixes only: the floor, reading each prefix and type byte with no
/// checks at all (the decoder's `split_frame` also checks bounds and the zero-length
/// quirk; the session here is valid by construction).
#[inline(never)]
fn frames_only(bytes: &[u8]) -> (u64, u64) {
    let (mut pos, mut acc, mut n) = (0, 0u64, 0u64);
    while pos + 2 < bytes.len() {
        let len = usize::from(u16::from_be_bytes([bytes[pos], bytes[pos + 1]]));
        acc = acc.wrapping_add(u64::from(bytes[pos + 2]));
        pos += 2 + len;
        n += 1;
        black_box(acc);
    }
    (acc, n)
}

fn ns_per_message(f: fn(&[u8]) -> (u64, u64), bytes: &[u8]) -> (f64, u64) {
    let t = Instant::now();
    let (acc, n) = f(black_box(bytes));
    (t.elapsed().as_nanos() as f64 / n as f64, acc)
}

fn main() {
    let stocks: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("a number of stocks"))
        .unwrap_or(1);
    let session = generate(&SessionConfig {
        stocks,
        target_live: if stocks == 1 {
            5_000
        } else {
            SessionConfig::default().target_live
        },
        ..SessionConfig::default()
    });
    let bytes = &session.bytes;
    // The same frames, sorted by type byte (a stable sort keeps each type's order).
    let mut all: Vec<&[u8]> = Vec::new();
    let mut pos = 0;
    while let Some((_, used)) = split_frame(&bytes[pos..]).expect("a valid session") {
        all.push(&bytes[pos..pos + used]);
        pos += used;
    }
    all.sort_by_key(|frame| frame[2]);
    let sorted = all.concat();

    println!(
        "{} messages, {stocks} stock(s); ns per message, 5 interleaved rounds\n",
        session.messages
    );
    println!("| round | decode, as generated | decode, sorted by type | framing only |");
    println!("|---:|---:|---:|---:|");
    for round in 1..=5 {
        let (real, a) = ns_per_message(decode_only, bytes);
        let (by_type, b) = ns_per_message(decode_only, &sorted);
        assert_eq!(a, b, "the same messages, in another order");
        let (framing, _) = ns_per_message(frames_only, bytes);
        println!("| {round} | {real:.1} | {by_type:.1} | {framing:.1} |");
    }
}
