//! Encoding: [`Record`], an owned ITCH 5.0 message that writes itself in wire format.
//!
//! Tests build streams by hand with it, the generator writes whole days with it, and
//! [`Message::to_record`](crate::Message::to_record) turns a decoded view back into one, so
//! that "decode what was encoded" is one `assert_eq!`.

use std::fmt;

/// The header fields every message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Header {
    /// Which stock: the locate code the stock directory (`R`) assigned.
    pub locate: u16,
    /// Nasdaq's internal tracking number.
    pub tracking: u16,
    /// Nanoseconds since midnight; only the low 48 bits are sent.
    pub timestamp: u64,
}

/// The side of an order: `B` (buy: a bid) or `S` (sell: an ask) on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// `B`
    Buy,
    /// `S`
    Sell,
}

impl Side {
    /// The wire byte.
    pub fn byte(self) -> u8 {
        match self {
            Side::Buy => b'B',
            Side::Sell => b'S',
        }
    }
}

/// A stock symbol: 8 ASCII bytes, left-aligned and padded with spaces.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Stock(pub [u8; 8]);

impl Stock {
    /// Pads `name` with spaces (at most 8 bytes; longer names are cut).
    pub fn new(name: &str) -> Self {
        let mut s = [b' '; 8];
        for (d, b) in s.iter_mut().zip(name.bytes()) {
            *d = b;
        }
        Stock(s)
    }

    /// The symbol without its padding.
    pub fn name(&self) -> &str {
        std::str::from_utf8(&self.0)
            .unwrap_or("?")
            .trim_end_matches(' ')
    }
}

impl fmt::Display for Stock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Stock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Stock({:?})", self.name())
    }
}

/// An owned ITCH 5.0 message, for the types that build books and directories.
///
/// The stock directory carries only the fields a book needs; [`Record::encode`] writes the
/// others with neutral values (`N`, spaces, zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// `S`
    SystemEvent {
        /// Header.
        header: Header,
        /// `O`, `S`, `Q`, `M`, `E` or `C`.
        event: u8,
    },
    /// `R`
    StockDirectory {
        /// Header; its locate is the code the rest of the day uses for this stock.
        header: Header,
        /// Symbol.
        stock: Stock,
        /// Market category.
        market_category: u8,
        /// Financial status indicator.
        financial_status: u8,
        /// Shares in a round lot.
        round_lot: u32,
    },
    /// `H`
    TradingAction {
        /// Header.
        header: Header,
        /// Symbol.
        stock: Stock,
        /// `H`, `P`, `Q` or `T`.
        state: u8,
        /// Reason code.
        reason: [u8; 4],
    },
    /// `A` (without `mpid`) or `F` (with).
    AddOrder {
        /// Header.
        header: Header,
        /// Order reference number.
        order: u64,
        /// Buy or sell.
        side: Side,
        /// Shares.
        shares: u32,
        /// Symbol.
        stock: Stock,
        /// Price in units of $0.0001.
        price: u32,
        /// Market participant, for `F`.
        mpid: Option<[u8; 4]>,
    },
    /// `E`
    OrderExecuted {
        /// Header.
        header: Header,
        /// Order reference number.
        order: u64,
        /// Shares executed.
        shares: u32,
        /// Match number.
        match_number: u64,
    },
    /// `C`
    OrderExecutedWithPrice {
        /// Header.
        header: Header,
        /// Order reference number.
        order: u64,
        /// Shares executed.
        shares: u32,
        /// Match number.
        match_number: u64,
        /// Printable.
        printable: bool,
        /// Execution price.
        price: u32,
    },
    /// `X`
    OrderCancel {
        /// Header.
        header: Header,
        /// Order reference number.
        order: u64,
        /// Shares cancelled.
        shares: u32,
    },
    /// `D`
    OrderDelete {
        /// Header.
        header: Header,
        /// Order reference number.
        order: u64,
    },
    /// `U`
    OrderReplace {
        /// Header.
        header: Header,
        /// The replaced order.
        order: u64,
        /// The new order.
        new_order: u64,
        /// The new order's shares.
        shares: u32,
        /// The new order's price.
        price: u32,
    },
    /// `P`
    Trade {
        /// Header.
        header: Header,
        /// The non-displayed order.
        order: u64,
        /// Its side.
        side: Side,
        /// Shares.
        shares: u32,
        /// Symbol.
        stock: Stock,
        /// Price.
        price: u32,
        /// Match number.
        match_number: u64,
    },
}

impl Record {
    /// The type byte this record encodes as.
    pub fn kind(&self) -> u8 {
        match self {
            Record::SystemEvent { .. } => b'S',
            Record::StockDirectory { .. } => b'R',
            Record::TradingAction { .. } => b'H',
            Record::AddOrder { mpid: None, .. } => b'A',
            Record::AddOrder { mpid: Some(_), .. } => b'F',
            Record::OrderExecuted { .. } => b'E',
            Record::OrderExecutedWithPrice { .. } => b'C',
            Record::OrderCancel { .. } => b'X',
            Record::OrderDelete { .. } => b'D',
            Record::OrderReplace { .. } => b'U',
            Record::Trade { .. } => b'P',
        }
    }

    /// The header.
    pub fn header(&self) -> Header {
        match *self {
            Record::SystemEvent { header, .. }
            | Record::StockDirectory { header, .. }
            | Record::TradingAction { header, .. }
            | Record::AddOrder { header, .. }
            | Record::OrderExecuted { header, .. }
            | Record::OrderExecutedWithPrice { header, .. }
            | Record::OrderCancel { header, .. }
            | Record::OrderDelete { header, .. }
            | Record::OrderReplace { header, .. }
            | Record::Trade { header, .. } => header,
        }
    }

    /// Appends the message to `out` with its 2-byte big-endian length prefix, as in
    /// Nasdaq's daily files.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let len = crate::message_len(self.kind()).expect("every Record type has a length");
        out.extend_from_slice(&(len as u16).to_be_bytes());
        let start = out.len();
        self.encode_body(out);
        debug_assert_eq!(
            out.len() - start,
            len,
            "{self:?} encoded to the wrong length"
        );
    }

    /// Appends the message without a length prefix.
    pub fn encode_body(&self, out: &mut Vec<u8>) {
        let h = self.header();
        out.push(self.kind());
        out.extend_from_slice(&h.locate.to_be_bytes());
        out.extend_from_slice(&h.tracking.to_be_bytes());
        out.extend_from_slice(&h.timestamp.to_be_bytes()[2..]);
        match *self {
            Record::SystemEvent { event, .. } => out.push(event),
            Record::StockDirectory {
                stock,
                market_category,
                financial_status,
                round_lot,
                ..
            } => {
                out.extend_from_slice(&stock.0);
                out.push(market_category);
                out.push(financial_status);
                out.extend_from_slice(&round_lot.to_be_bytes());
                // Round lots only, issue classification, issue subtype (2), authenticity,
                // short sale threshold, IPO flag, LULD tier, ETP flag, leverage (4),
                // inverse: neutral values.
                out.extend_from_slice(b"NC  PNN1N");
                out.extend_from_slice(&0u32.to_be_bytes());
                out.push(b'N');
            }
            Record::TradingAction {
                stock,
                state,
                reason,
                ..
            } => {
                out.extend_from_slice(&stock.0);
                out.push(state);
                out.push(b' ');
                out.extend_from_slice(&reason);
            }
            Record::AddOrder {
                order,
                side,
                shares,
                stock,
                price,
                mpid,
                ..
            } => {
                out.extend_from_slice(&order.to_be_bytes());
                out.push(side.byte());
                out.extend_from_slice(&shares.to_be_bytes());
                out.extend_from_slice(&stock.0);
                out.extend_from_slice(&price.to_be_bytes());
                if let Some(m) = mpid {
                    out.extend_from_slice(&m);
                }
            }
            Record::OrderExecuted {
                order,
                shares,
                match_number,
                ..
            } => {
                out.extend_from_slice(&order.to_be_bytes());
                out.extend_from_slice(&shares.to_be_bytes());
                out.extend_from_slice(&match_number.to_be_bytes());
            }
            Record::OrderExecutedWithPrice {
                order,
                shares,
                match_number,
                printable,
                price,
                ..
            } => {
                out.extend_from_slice(&order.to_be_bytes());
                out.extend_from_slice(&shares.to_be_bytes());
                out.extend_from_slice(&match_number.to_be_bytes());
                out.push(if printable { b'Y' } else { b'N' });
                out.extend_from_slice(&price.to_be_bytes());
            }
            Record::OrderCancel { order, shares, .. } => {
                out.extend_from_slice(&order.to_be_bytes());
                out.extend_from_slice(&shares.to_be_bytes());
            }
            Record::OrderDelete { order, .. } => out.extend_from_slice(&order.to_be_bytes()),
            Record::OrderReplace {
                order,
                new_order,
                shares,
                price,
                ..
            } => {
                out.extend_from_slice(&order.to_be_bytes());
                out.extend_from_slice(&new_order.to_be_bytes());
                out.extend_from_slice(&shares.to_be_bytes());
                out.extend_from_slice(&price.to_be_bytes());
            }
            Record::Trade {
                order,
                side,
                shares,
                stock,
                price,
                match_number,
                ..
            } => {
                out.extend_from_slice(&order.to_be_bytes());
                out.push(side.byte());
                out.extend_from_slice(&shares.to_be_bytes());
                out.extend_from_slice(&stock.0);
                out.extend_from_slice(&price.to_be_bytes());
                out.extend_from_slice(&match_number.to_be_bytes());
            }
        }
    }
}

/// Encodes `records` one after another, each with its length prefix.
pub fn encode_all<'r>(records: impl IntoIterator<Item = &'r Record>) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        r.encode(&mut out);
    }
    out
}
