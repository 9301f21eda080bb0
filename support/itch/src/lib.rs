//! Nasdaq TotalView-ITCH 5.0 for the course: decode it without copying, encode it, and
//! generate realistic trading days of it.
//!
//! Exercise 20 (order book) replays ITCH into one book per stock; exercise 21 (feed
//! handler) receives it over UDP. Both use this crate, so that users who clone the course
//! have ITCH data without downloading anything: the [`session`] module writes a trading day
//! shaped like a real one, and [`Record`] encodes any message by hand.
//!
//! | module | what it gives |
//! |---|---|
//! | [`decode`] | [`Message`]: typed, zero-copy views over one message's bytes; [`frames`] over a buffer with the 2-byte length framing of Nasdaq's daily files; [`read_messages`] over any `io::Read` |
//! | [`encode`] | [`Record`]: an owned message that encodes itself (and that a view converts back to, for tests) |
//! | [`session`] | [`session::generate`]: a deterministic trading day (many stocks, activity near the touch, many cancels), with its statistics |
//! | [`replay`] | [`TypeCounts`] per message type, a [`Tsc`] clock for per-message latency, [`Percentiles`] from an HdrHistogram, response times under a queue |
//! | [`cli`] | the `replay` command line, for any book that implements [`Books`] |
//!
//! # The wire format in one paragraph
//!
//! Every message starts with an 11-byte header: the type (one ASCII byte), the stock
//! locate code (u16: which stock, numbered by the day's stock directory), a tracking number
//! (u16) and a timestamp (48 bits: nanoseconds since midnight). All integers are big-endian.
//! Prices are `Price(4)`: a u32 in units of $0.0001. Order reference numbers are u64 and
//! unique for the day. A daily file (and a MoldUDP64 packet) frames each message with its
//! length as a big-endian u16. The layouts are in the specification, "Nasdaq TotalView-ITCH
//! 5.0", section 4; this crate's offsets follow it and its tests check them.
//!
//! # Zero-copy
//!
//! Decoding never allocates or copies a message: [`Message::parse`] checks the length (and
//! the side byte where there is one) once and returns a view that borrows the bytes; each
//! accessor reads its field from a fixed offset of a fixed-size array, so the compiler
//! removes the bounds checks.

#![warn(missing_docs)]

pub mod cli;
pub mod decode;
pub mod encode;
pub mod replay;
pub mod session;

pub use cli::{Books, StockTop, Top};
pub use decode::{DecodeError, FrameError, Frames, Message, ReadError, frames, read_messages};
pub use encode::{Header, Record, Side, Stock};
pub use replay::{Percentiles, Tsc, TypeCounts};

/// The length in bytes (without the 2-byte length prefix) of each ITCH 5.0 message type,
/// from the specification's section 4; `None` for a byte that is no ITCH 5.0 type.
pub const fn message_len(kind: u8) -> Option<usize> {
    Some(match kind {
        b'S' => 12,
        b'R' => 39,
        b'H' => 25,
        b'Y' => 20,
        b'L' => 26,
        b'V' => 35,
        b'W' => 12,
        b'K' => 28,
        b'J' => 35,
        b'h' => 21,
        b'A' => 36,
        b'F' => 40,
        b'E' => 31,
        b'C' => 36,
        b'X' => 23,
        b'D' => 19,
        b'U' => 35,
        b'P' => 44,
        b'Q' => 40,
        b'B' => 19,
        b'I' => 50,
        b'N' => 20,
        b'O' => 48,
        _ => return None,
    })
}

/// The header every message starts with: type, stock locate, tracking number, timestamp.
pub const HEADER_LEN: usize = 11;

/// What each message type is, for reports: `(type byte, name)` in the specification's
/// order.
pub const MESSAGE_NAMES: [(u8, &str); 23] = [
    (b'S', "system event"),
    (b'R', "stock directory"),
    (b'H', "stock trading action"),
    (b'Y', "Reg SHO restriction"),
    (b'L', "market participant position"),
    (b'V', "MWCB decline level"),
    (b'W', "MWCB status"),
    (b'K', "IPO quoting period"),
    (b'J', "LULD auction collar"),
    (b'h', "operational halt"),
    (b'A', "add order"),
    (b'F', "add order (MPID)"),
    (b'E', "order executed"),
    (b'C', "order executed with price"),
    (b'X', "order cancel"),
    (b'D', "order delete"),
    (b'U', "order replace"),
    (b'P', "trade (non-cross)"),
    (b'Q', "cross trade"),
    (b'B', "broken trade"),
    (b'I', "NOII"),
    (b'N', "retail interest (RPII)"),
    (b'O', "DLCR price discovery"),
];
