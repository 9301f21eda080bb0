//! Zero-copy decoding: typed views over the bytes of one message, and the framing of a
//! stream of messages.
//!
//! A view is a newtype around `&[u8; N]`, where `N` is the message's length in the
//! specification. [`Message::parse`] checks the length once (and the side byte, where the
//! message has one); after that every accessor is a fixed-offset big-endian load from a
//! fixed-size array: no bounds check survives optimisation, nothing is copied or allocated.
//!
//! # Framing
//!
//! Nasdaq's daily files (and the message blocks of MoldUDP64) put a big-endian `u16` length
//! before each message. [`frames`] walks a buffer of such frames. One quirk is handled on
//! purpose: the artificial sample `ex20101224.TEST_ITCH_50` that ships with the RITCH R
//! package writes the 2-byte prefix but leaves it **zero** for every message. A zero
//! length is never a real ITCH message (the shortest is 12 bytes), so the framer then takes
//! the length from the type byte ([`message_len`](crate::message_len)); a zero prefix
//! before an unknown type is an error, because nothing says where the next message starts.
//! A length longer than the type's known length is accepted and the extra bytes ignored
//! (how a later minor version may add fields); a shorter one is an error.

use std::fmt;
use std::io::Read;

use crate::encode::{Header, Record, Side, Stock};
use crate::{HEADER_LEN, message_len};

/// Why bytes are not a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// No bytes at all.
    Empty,
    /// Fewer bytes than the message type needs.
    TooShort {
        /// The type byte.
        kind: u8,
        /// The bytes there are.
        len: usize,
        /// The bytes the type needs.
        needed: usize,
    },
    /// A side byte that is neither `B` nor `S`.
    BadSide {
        /// The type byte.
        kind: u8,
        /// The side byte found.
        byte: u8,
    },
    /// A zero length prefix before a type byte whose length is unknown.
    UnknownLength {
        /// The type byte.
        kind: u8,
    },
    /// The buffer ends inside a frame.
    Truncated {
        /// Bytes the frame needs (prefix included).
        needed: usize,
        /// Bytes left in the buffer.
        available: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => write!(f, "empty message"),
            DecodeError::TooShort { kind, len, needed } => write!(
                f,
                "a '{}' message needs {needed} bytes, got {len}",
                char::from(*kind)
            ),
            DecodeError::BadSide { kind, byte } => write!(
                f,
                "a '{}' message has side byte {byte:#04x}, expected 'B' or 'S'",
                char::from(*kind)
            ),
            DecodeError::UnknownLength { kind } => write!(
                f,
                "zero length prefix before type byte {kind:#04x}, whose length is unknown"
            ),
            DecodeError::Truncated { needed, available } => write!(
                f,
                "the data ends inside a frame: it needs {needed} bytes, {available} are left"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// A [`DecodeError`] and where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    /// Byte offset of the frame (its length prefix) from the start of the data.
    pub offset: u64,
    /// What is wrong there.
    pub error: DecodeError,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.error)
    }
}

impl std::error::Error for FrameError {}

#[inline(always)]
fn u16_at<const N: usize>(b: &[u8; N], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

#[inline(always)]
fn u32_at<const N: usize>(b: &[u8; N], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[inline(always)]
fn u48_at<const N: usize>(b: &[u8; N], at: usize) -> u64 {
    u64::from_be_bytes([
        0,
        0,
        b[at],
        b[at + 1],
        b[at + 2],
        b[at + 3],
        b[at + 4],
        b[at + 5],
    ])
}

#[inline(always)]
fn u64_at<const N: usize>(b: &[u8; N], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(x)
}

#[inline(always)]
fn stock_at<const N: usize>(b: &[u8; N], at: usize) -> Stock {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    Stock(x)
}

#[inline(always)]
fn side_of(byte: u8) -> Side {
    if byte == b'B' { Side::Buy } else { Side::Sell }
}

/// Declares a view type over `&[u8; $len]` with the header accessors.
macro_rules! view {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name<'a>(&'a [u8; $len]);

        impl<'a> $name<'a> {
            /// The message's length in bytes (without the length prefix).
            pub const LEN: usize = $len;

            /// The message's bytes, type byte first.
            pub fn bytes(&self) -> &'a [u8; $len] {
                self.0
            }

            /// The type byte.
            #[inline(always)]
            pub fn kind(&self) -> u8 {
                self.0[0]
            }

            /// The stock locate code: which stock (numbered by the stock directory).
            #[inline(always)]
            pub fn locate(&self) -> u16 {
                u16_at(self.0, 1)
            }

            /// The tracking number.
            #[inline(always)]
            pub fn tracking(&self) -> u16 {
                u16_at(self.0, 3)
            }

            /// Nanoseconds since midnight.
            #[inline(always)]
            pub fn timestamp(&self) -> u64 {
                u48_at(self.0, 5)
            }

            /// The header as an owned value.
            pub fn header(&self) -> Header {
                Header {
                    locate: self.locate(),
                    tracking: self.tracking(),
                    timestamp: self.timestamp(),
                }
            }
        }
    };
}

view!(
    /// `S`: a system event (start of messages, of market hours, ...).
    SystemEvent,
    12
);
view!(
    /// `R`: the stock directory entry that names the stock behind a locate code.
    StockDirectory,
    39
);
view!(
    /// `H`: a stock's trading state (halted, paused, quotation only, trading).
    TradingAction,
    25
);
view!(
    /// `E`: a resting order traded (part of) its shares at its own price.
    OrderExecuted,
    31
);
view!(
    /// `C`: a resting order traded at a price other than its own (e.g. in a cross).
    OrderExecutedWithPrice,
    36
);
view!(
    /// `X`: part of a resting order was cancelled.
    OrderCancel,
    23
);
view!(
    /// `D`: a resting order was deleted (its remaining shares cancelled).
    OrderDelete,
    19
);
view!(
    /// `U`: a resting order was replaced by a new one (new reference, price and shares;
    /// same side; the new order loses time priority).
    OrderReplace,
    35
);
view!(
    /// `P`: a trade against a non-displayed order. It changes no displayed book.
    Trade,
    44
);

/// `A` or `F`: a new order rests on the book (`F` also names the market participant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddOrder<'a> {
    /// The fields both types share.
    b: &'a [u8; 36],
    /// The whole message: 36 bytes for `A`, 40 for `F`.
    all: &'a [u8],
}

/// Any other message: its type byte and bytes (checked only for length where the type is
/// known).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Other<'a>(&'a [u8]);

impl<'a> Other<'a> {
    /// The type byte.
    pub fn kind(&self) -> u8 {
        self.0[0]
    }

    /// The message's bytes, type byte first.
    pub fn bytes(&self) -> &'a [u8] {
        self.0
    }
}

impl SystemEvent<'_> {
    /// The event code: `O` start of messages, `S` start of system hours, `Q` start of
    /// market hours, `M` end of market hours, `E` end of system hours, `C` end of messages.
    pub fn event(&self) -> u8 {
        self.0[11]
    }
}

impl StockDirectory<'_> {
    /// The stock symbol, space-padded to 8 bytes.
    pub fn stock(&self) -> Stock {
        stock_at(self.0, 11)
    }
    /// Market category (`Q` Global Select, `G` Global Market, `S` Capital Market, ...).
    pub fn market_category(&self) -> u8 {
        self.0[19]
    }
    /// Financial status indicator (`N` normal, ...).
    pub fn financial_status(&self) -> u8 {
        self.0[20]
    }
    /// Shares in a round lot.
    pub fn round_lot(&self) -> u32 {
        u32_at(self.0, 21)
    }
}

impl TradingAction<'_> {
    /// The stock symbol.
    pub fn stock(&self) -> Stock {
        stock_at(self.0, 11)
    }
    /// `H` halted, `P` paused, `Q` quotation only, `T` trading.
    pub fn state(&self) -> u8 {
        self.0[19]
    }
    /// The reason code, four ASCII bytes.
    pub fn reason(&self) -> [u8; 4] {
        [self.0[21], self.0[22], self.0[23], self.0[24]]
    }
}

impl<'a> AddOrder<'a> {
    /// The message's bytes: 36 for `A`, 40 for `F`.
    pub fn bytes(&self) -> &'a [u8] {
        self.all
    }
    /// `A` or `F`.
    #[inline(always)]
    pub fn kind(&self) -> u8 {
        self.b[0]
    }
    /// The stock locate code.
    #[inline(always)]
    pub fn locate(&self) -> u16 {
        u16_at(self.b, 1)
    }
    /// The tracking number.
    pub fn tracking(&self) -> u16 {
        u16_at(self.b, 3)
    }
    /// Nanoseconds since midnight.
    #[inline(always)]
    pub fn timestamp(&self) -> u64 {
        u48_at(self.b, 5)
    }
    /// The header as an owned value.
    pub fn header(&self) -> Header {
        Header {
            locate: self.locate(),
            tracking: self.tracking(),
            timestamp: self.timestamp(),
        }
    }
    /// The order reference number, unique for the day.
    #[inline(always)]
    pub fn order(&self) -> u64 {
        u64_at(self.b, 11)
    }
    /// Buy (a bid) or sell (an ask).
    #[inline(always)]
    pub fn side(&self) -> Side {
        side_of(self.b[19])
    }
    /// Shares.
    #[inline(always)]
    pub fn shares(&self) -> u32 {
        u32_at(self.b, 20)
    }
    /// The stock symbol.
    pub fn stock(&self) -> Stock {
        stock_at(self.b, 24)
    }
    /// Price in units of $0.0001.
    #[inline(always)]
    pub fn price(&self) -> u32 {
        u32_at(self.b, 32)
    }
    /// The market participant (`F` only).
    pub fn mpid(&self) -> Option<[u8; 4]> {
        match self.all.get(36..40) {
            Some(m) if self.kind() == b'F' => Some([m[0], m[1], m[2], m[3]]),
            _ => None,
        }
    }
}

impl OrderExecuted<'_> {
    /// The resting order's reference number.
    #[inline(always)]
    pub fn order(&self) -> u64 {
        u64_at(self.0, 11)
    }
    /// Shares traded.
    #[inline(always)]
    pub fn shares(&self) -> u32 {
        u32_at(self.0, 19)
    }
    /// The trade's match number.
    pub fn match_number(&self) -> u64 {
        u64_at(self.0, 23)
    }
}

impl OrderExecutedWithPrice<'_> {
    /// The resting order's reference number.
    #[inline(always)]
    pub fn order(&self) -> u64 {
        u64_at(self.0, 11)
    }
    /// Shares traded.
    #[inline(always)]
    pub fn shares(&self) -> u32 {
        u32_at(self.0, 19)
    }
    /// The trade's match number.
    pub fn match_number(&self) -> u64 {
        u64_at(self.0, 23)
    }
    /// Whether the trade should appear on time-and-sales displays.
    pub fn printable(&self) -> bool {
        self.0[31] == b'Y'
    }
    /// The price of the trade in units of $0.0001 (not the order's price).
    pub fn price(&self) -> u32 {
        u32_at(self.0, 32)
    }
}

impl OrderCancel<'_> {
    /// The resting order's reference number.
    #[inline(always)]
    pub fn order(&self) -> u64 {
        u64_at(self.0, 11)
    }
    /// Shares cancelled.
    #[inline(always)]
    pub fn shares(&self) -> u32 {
        u32_at(self.0, 19)
    }
}

impl OrderDelete<'_> {
    /// The order's reference number.
    #[inline(always)]
    pub fn order(&self) -> u64 {
        u64_at(self.0, 11)
    }
}

impl OrderReplace<'_> {
    /// The replaced order's reference number.
    #[inline(always)]
    pub fn order(&self) -> u64 {
        u64_at(self.0, 11)
    }
    /// The new order's reference number.
    #[inline(always)]
    pub fn new_order(&self) -> u64 {
        u64_at(self.0, 19)
    }
    /// The new order's shares.
    #[inline(always)]
    pub fn shares(&self) -> u32 {
        u32_at(self.0, 27)
    }
    /// The new order's price in units of $0.0001.
    #[inline(always)]
    pub fn price(&self) -> u32 {
        u32_at(self.0, 31)
    }
}

impl Trade<'_> {
    /// The (non-displayed) order's reference number.
    pub fn order(&self) -> u64 {
        u64_at(self.0, 11)
    }
    /// The side of the non-displayed order.
    pub fn side(&self) -> Side {
        side_of(self.0[19])
    }
    /// Shares.
    pub fn shares(&self) -> u32 {
        u32_at(self.0, 20)
    }
    /// The stock symbol.
    pub fn stock(&self) -> Stock {
        stock_at(self.0, 24)
    }
    /// Price in units of $0.0001.
    pub fn price(&self) -> u32 {
        u32_at(self.0, 32)
    }
    /// The trade's match number.
    pub fn match_number(&self) -> u64 {
        u64_at(self.0, 36)
    }
}

/// One decoded message: a view that borrows its bytes.
///
/// The variants are the messages that build a book or a stock directory; every other type
/// is [`Message::Other`] (still framed and counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    /// `S`
    SystemEvent(SystemEvent<'a>),
    /// `R`
    StockDirectory(StockDirectory<'a>),
    /// `H`
    TradingAction(TradingAction<'a>),
    /// `A` and `F`
    AddOrder(AddOrder<'a>),
    /// `E`
    OrderExecuted(OrderExecuted<'a>),
    /// `C`
    OrderExecutedWithPrice(OrderExecutedWithPrice<'a>),
    /// `X`
    OrderCancel(OrderCancel<'a>),
    /// `D`
    OrderDelete(OrderDelete<'a>),
    /// `U`
    OrderReplace(OrderReplace<'a>),
    /// `P`
    Trade(Trade<'a>),
    /// Every other type, known or not.
    Other(Other<'a>),
}

/// The first `N` bytes of `bytes` as an array, or `TooShort`.
#[inline(always)]
fn array<const N: usize>(bytes: &[u8]) -> Result<&[u8; N], DecodeError> {
    match bytes.get(..N) {
        Some(b) => Ok(b.try_into().expect("a slice of length N")),
        None => Err(DecodeError::TooShort {
            kind: bytes[0],
            len: bytes.len(),
            needed: N,
        }),
    }
}

/// `SIDE_BYTE[b]` is true for the two valid side bytes, `B` and `S`.
static SIDE_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    table[b'B' as usize] = true;
    table[b'S' as usize] = true;
    table
};

#[inline(always)]
fn check_side(kind: u8, byte: u8) -> Result<(), DecodeError> {
    // A table, not `byte == b'B' || byte == b'S'`: one branch on the result (always taken
    // on valid data). Two compares, even joined with `|`, come out of LLVM as two branches,
    // the first on `byte == b'B'`, which is a coin toss on a real feed: callgrind counted a
    // third of them mispredicted, 0.23 a message, before this table.
    if SIDE_BYTE[usize::from(byte)] {
        Ok(())
    } else {
        Err(DecodeError::BadSide { kind, byte })
    }
}

impl<'a> Message<'a> {
    /// Views `bytes` (one message, type byte first, no length prefix) as a message. Longer
    /// input than the type needs is accepted; the rest is ignored.
    #[inline(always)]
    pub fn parse(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let Some(&kind) = bytes.first() else {
            return Err(DecodeError::Empty);
        };
        Ok(match kind {
            b'A' => {
                let b = array::<36>(bytes)?;
                check_side(kind, b[19])?;
                Message::AddOrder(AddOrder {
                    b,
                    all: &bytes[..36],
                })
            }
            b'F' => {
                let all = array::<40>(bytes)?;
                check_side(kind, all[19])?;
                Message::AddOrder(AddOrder {
                    b: array::<36>(all)?,
                    all,
                })
            }
            b'E' => Message::OrderExecuted(OrderExecuted(array(bytes)?)),
            b'C' => Message::OrderExecutedWithPrice(OrderExecutedWithPrice(array(bytes)?)),
            b'X' => Message::OrderCancel(OrderCancel(array(bytes)?)),
            b'D' => Message::OrderDelete(OrderDelete(array(bytes)?)),
            b'U' => Message::OrderReplace(OrderReplace(array(bytes)?)),
            b'P' => {
                let b = array::<44>(bytes)?;
                check_side(kind, b[19])?;
                Message::Trade(Trade(b))
            }
            b'S' => Message::SystemEvent(SystemEvent(array(bytes)?)),
            b'R' => Message::StockDirectory(StockDirectory(array(bytes)?)),
            b'H' => Message::TradingAction(TradingAction(array(bytes)?)),
            _ => {
                let needed = message_len(kind).unwrap_or(HEADER_LEN);
                if bytes.len() < needed {
                    return Err(DecodeError::TooShort {
                        kind,
                        len: bytes.len(),
                        needed,
                    });
                }
                Message::Other(Other(bytes))
            }
        })
    }

    /// The type byte.
    #[inline]
    pub fn kind(&self) -> u8 {
        match self {
            Message::SystemEvent(m) => m.kind(),
            Message::StockDirectory(m) => m.kind(),
            Message::TradingAction(m) => m.kind(),
            Message::AddOrder(m) => m.kind(),
            Message::OrderExecuted(m) => m.kind(),
            Message::OrderExecutedWithPrice(m) => m.kind(),
            Message::OrderCancel(m) => m.kind(),
            Message::OrderDelete(m) => m.kind(),
            Message::OrderReplace(m) => m.kind(),
            Message::Trade(m) => m.kind(),
            Message::Other(m) => m.kind(),
        }
    }

    /// A number computed from every field a book reads (order ids, price, shares, locate):
    /// what a decode-only benchmark does with each message, so that the compiler cannot
    /// skip the decoding and no book is involved.
    #[inline(always)]
    pub fn book_fields_digest(&self) -> u64 {
        u64::from(self.locate())
            ^ match *self {
                Message::AddOrder(a) => a.order() ^ u64::from(a.price()) ^ u64::from(a.shares()),
                Message::OrderExecuted(e) => e.order() ^ u64::from(e.shares()),
                Message::OrderExecutedWithPrice(e) => e.order() ^ u64::from(e.shares()),
                Message::OrderCancel(x) => x.order() ^ u64::from(x.shares()),
                Message::OrderDelete(d) => d.order(),
                Message::OrderReplace(u) => u.order() ^ u.new_order() ^ u64::from(u.price()),
                _ => 1,
            }
    }

    /// The stock locate code (bytes 1–2 of every message).
    #[inline]
    pub fn locate(&self) -> u16 {
        let b = self.bytes();
        u16::from_be_bytes([b[1], b[2]])
    }

    /// The message's bytes, type byte first (for `F`, all 40).
    pub fn bytes(&self) -> &'a [u8] {
        match *self {
            Message::SystemEvent(m) => m.bytes(),
            Message::StockDirectory(m) => m.bytes(),
            Message::TradingAction(m) => m.bytes(),
            Message::AddOrder(m) => m.all,
            Message::OrderExecuted(m) => m.bytes(),
            Message::OrderExecutedWithPrice(m) => m.bytes(),
            Message::OrderCancel(m) => m.bytes(),
            Message::OrderDelete(m) => m.bytes(),
            Message::OrderReplace(m) => m.bytes(),
            Message::Trade(m) => m.bytes(),
            Message::Other(m) => m.bytes(),
        }
    }

    /// The message as an owned [`Record`], for the types `Record` covers (`None` for
    /// [`Message::Other`]). Tests use it to compare what was decoded with what was encoded.
    pub fn to_record(&self) -> Option<Record> {
        Some(match *self {
            Message::SystemEvent(m) => Record::SystemEvent {
                header: m.header(),
                event: m.event(),
            },
            Message::StockDirectory(m) => Record::StockDirectory {
                header: m.header(),
                stock: m.stock(),
                market_category: m.market_category(),
                financial_status: m.financial_status(),
                round_lot: m.round_lot(),
            },
            Message::TradingAction(m) => Record::TradingAction {
                header: m.header(),
                stock: m.stock(),
                state: m.state(),
                reason: m.reason(),
            },
            Message::AddOrder(m) => Record::AddOrder {
                header: m.header(),
                order: m.order(),
                side: m.side(),
                shares: m.shares(),
                stock: m.stock(),
                price: m.price(),
                mpid: m.mpid(),
            },
            Message::OrderExecuted(m) => Record::OrderExecuted {
                header: m.header(),
                order: m.order(),
                shares: m.shares(),
                match_number: m.match_number(),
            },
            Message::OrderExecutedWithPrice(m) => Record::OrderExecutedWithPrice {
                header: m.header(),
                order: m.order(),
                shares: m.shares(),
                match_number: m.match_number(),
                printable: m.printable(),
                price: m.price(),
            },
            Message::OrderCancel(m) => Record::OrderCancel {
                header: m.header(),
                order: m.order(),
                shares: m.shares(),
            },
            Message::OrderDelete(m) => Record::OrderDelete {
                header: m.header(),
                order: m.order(),
            },
            Message::OrderReplace(m) => Record::OrderReplace {
                header: m.header(),
                order: m.order(),
                new_order: m.new_order(),
                shares: m.shares(),
                price: m.price(),
            },
            Message::Trade(m) => Record::Trade {
                header: m.header(),
                order: m.order(),
                side: m.side(),
                shares: m.shares(),
                stock: m.stock(),
                price: m.price(),
                match_number: m.match_number(),
            },
            Message::Other(_) => return None,
        })
    }
}

/// Splits the first frame off `buf`: `Ok(None)` at the end, else the message's bytes (no
/// prefix) and the bytes the frame took (prefix included). See the module docs for the
/// zero-length quirk.
#[inline(always)]
pub fn split_frame(buf: &[u8]) -> Result<Option<(&[u8], usize)>, DecodeError> {
    if buf.is_empty() {
        return Ok(None);
    }
    if buf.len() < 3 {
        return Err(DecodeError::Truncated {
            needed: 3,
            available: buf.len(),
        });
    }
    let mut len = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
    if len == 0 {
        len = message_len(buf[2]).ok_or(DecodeError::UnknownLength { kind: buf[2] })?;
    }
    let end = 2 + len;
    match buf.get(2..end) {
        Some(msg) => Ok(Some((msg, end))),
        None => Err(DecodeError::Truncated {
            needed: end,
            available: buf.len(),
        }),
    }
}

/// The messages of a buffer of length-prefixed frames, in order. Stops after the first
/// error (which it yields).
pub fn frames(buf: &[u8]) -> Frames<'_> {
    Frames {
        buf,
        pos: 0,
        failed: false,
    }
}

/// Iterator returned by [`frames`].
#[derive(Debug, Clone)]
pub struct Frames<'a> {
    buf: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Frames<'a> {
    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<Message<'a>, FrameError>;

    // Always inlined, and written without closures (a closure is a function of its own that
    // the inliner may leave out of line): a replay loop then has one dispatch on the type
    // byte, where the compiler merges `parse`'s match with the caller's. Out of line, the
    // message went through memory and the bench's decode-only loop took 23 ns a message
    // instead of 15.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let offset = self.pos;
        match split_frame(&self.buf[self.pos..]) {
            Ok(Some((bytes, used))) => {
                self.pos += used;
                match Message::parse(bytes) {
                    Ok(m) => Some(Ok(m)),
                    Err(error) => Some(Err(self.fail(offset, error))),
                }
            }
            Ok(None) => None,
            Err(error) => Some(Err(self.fail(offset, error))),
        }
    }
}

impl Frames<'_> {
    #[cold]
    fn fail(&mut self, offset: usize, error: DecodeError) -> FrameError {
        self.failed = true;
        FrameError {
            offset: offset as u64,
            error,
        }
    }
}

/// Why [`read_messages`] stopped early.
#[derive(Debug)]
pub enum ReadError {
    /// Reading failed.
    Io(std::io::Error),
    /// The data is not well-formed ITCH.
    Decode(FrameError),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "read error: {e}"),
            ReadError::Decode(e) => write!(f, "malformed ITCH {e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads length-prefixed messages from `reader` (a file, a pipe) in 1 MiB chunks and calls
/// `on_message` with each, in order; returns how many there were. The buffer is allocated
/// once; each message is a view into it, valid during the call.
pub fn read_messages(
    mut reader: impl Read,
    mut on_message: impl FnMut(Message<'_>),
) -> Result<u64, ReadError> {
    const CHUNK: usize = 1 << 20;
    let mut buf = vec![0u8; CHUNK];
    let (mut start, mut end) = (0usize, 0usize);
    let mut offset = 0u64; // of buf[start] in the stream
    let mut count = 0u64;
    let mut eof = false;
    loop {
        // Decode every whole frame in buf[start..end].
        loop {
            match split_frame(&buf[start..end]) {
                Ok(Some((bytes, used))) => {
                    let message = Message::parse(bytes)
                        .map_err(|error| ReadError::Decode(FrameError { offset, error }))?;
                    on_message(message);
                    count += 1;
                    start += used;
                    offset += used as u64;
                }
                Ok(None) => break,
                Err(DecodeError::Truncated { .. }) if !eof => break,
                Err(error) => return Err(ReadError::Decode(FrameError { offset, error })),
            }
        }
        if eof {
            return Ok(count);
        }
        // Move the partial frame to the front and refill.
        buf.copy_within(start..end, 0);
        end -= start;
        start = 0;
        let n = loop {
            match reader.read(&mut buf[end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ReadError::Io(e)),
            }
        };
        if n == 0 {
            eof = true;
        }
        end += n;
    }
}
