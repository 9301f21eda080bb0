//! Stage 5: ITCH 5.0 replay. One [`OrderBook`] per stock, fed by decoded messages. Only
//! [`Replay::apply`] is yours to write; the rest is given.
//!
//! Each message names its stock by *locate code* (a small number the day's stock directory
//! assigns), so the books live in a vector indexed by locate: no hashing of symbols. The
//! mapping from messages to book operations:
//!
//! | message | book operation |
//! |---|---|
//! | `R` stock directory | names the stock (and creates its book) |
//! | `A`, `F` add order | [`OrderBook::add`] at the order's price (ITCH `Price(4)` units, $0.0001) |
//! | `E` executed | [`OrderBook::execute`] |
//! | `C` executed with price | [`OrderBook::execute`]: the trade's price is not the order's, and the book tracks orders |
//! | `X` cancel | [`OrderBook::reduce`] |
//! | `D` delete | [`OrderBook::delete`] |
//! | `U` replace | [`OrderBook::replace`]: same side, new id, price and shares, back of the queue |
//! | `P` trade, `S`, `H`, others | nothing: a non-displayed trade and status messages change no displayed book |
//!
//! A message the book refuses (an unknown order, say: a file that starts mid-day holds
//! deletes of orders added before it began) returns a [`ReplayError`]; the book is
//! unchanged and the replay goes on.

use course_itch::cli::{Books, StockTop, Top};
use course_itch::{Message, Stock};

use crate::{BookError, Hints, OrderBook};

/// A message a book refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayError {
    /// The stock's locate code.
    pub locate: u16,
    /// The message type.
    pub kind: u8,
    /// Why.
    pub error: BookError,
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stock {}, '{}' message: {}",
            self.locate,
            char::from(self.kind),
            self.error
        )
    }
}

impl std::error::Error for ReplayError {}

/// One order book per stock, by locate code.
#[derive(Debug)]
pub struct Replay {
    books: Vec<Option<Box<OrderBook>>>,
    names: Vec<Option<Stock>>,
    hints: Hints,
}

impl Default for Replay {
    fn default() -> Self {
        Self::new(Self::ITCH_HINTS)
    }
}

impl Replay {
    /// Hints for US equities in ITCH price units: a cent grid (`tick` 100 units of
    /// $0.0001), 1,024 levels ($10.24) per side, 1,024 orders per book before growing.
    pub const ITCH_HINTS: Hints = Hints {
        orders: 1_024,
        levels: 1_024,
        tick: 100,
    };

    /// No books yet; each book is created with `hints` when its stock first appears.
    pub fn new(hints: Hints) -> Self {
        Self {
            books: Vec::new(),
            names: Vec::new(),
            hints,
        }
    }

    /// The book of the stock with this locate code, created if needed.
    #[inline]
    fn book_mut(&mut self, locate: u16) -> &mut OrderBook {
        let i = usize::from(locate);
        if i >= self.books.len() {
            self.books.resize_with(i + 1, || None);
        }
        let hints = self.hints;
        self.books[i].get_or_insert_with(|| Box::new(OrderBook::with_hints(hints)))
    }

    /// Applies one message (see the module docs for the mapping).
    ///
    /// # Errors
    ///
    /// The book's refusal, with the stock and message type; the book is unchanged.
    // Inlined into the caller's decode loop, so that the compiler can merge the decoder's
    // match on the type with yours: one unpredictable jump per message, not two (the
    // chapter's "Branches the predictor cannot learn"; the bench relies on it).
    #[inline(always)]
    pub fn apply(&mut self, message: Message<'_>) -> Result<(), ReplayError> {
        // TODO: match on the message (see the table in the module docs); for a book
        // operation use `self.book_mut(message.locate())`; for `R`, also record the name
        // in `self.names`. Turn a `BookError` into a `ReplayError`.
        let _ = message;
        todo!("Replay::apply")
    }

    /// The book of the stock with this locate code, if it has one.
    pub fn book(&self, locate: u16) -> Option<&OrderBook> {
        self.books.get(usize::from(locate))?.as_deref()
    }

    /// The symbol the stock directory gave this locate code.
    pub fn stock(&self, locate: u16) -> Option<Stock> {
        *self.names.get(usize::from(locate))?
    }

    /// The locate codes that have a book, in order.
    pub fn locates(&self) -> impl Iterator<Item = u16> + '_ {
        self.books
            .iter()
            .enumerate()
            .filter(|(_, b)| b.is_some())
            .map(|(i, _)| i as u16)
    }
}

impl Books for Replay {
    type Error = ReplayError;

    #[inline(always)]
    fn apply(&mut self, message: Message<'_>) -> Result<(), ReplayError> {
        Replay::apply(self, message)
    }

    fn tops(&self) -> Vec<StockTop> {
        let top = |l: Option<crate::Level>| {
            l.map(|l| Top {
                price: l.price,
                qty: l.qty,
                orders: l.orders,
            })
        };
        self.locates()
            .map(|locate| {
                let book = self.book(locate).expect("listed");
                StockTop {
                    locate,
                    stock: self.stock(locate),
                    bid: top(book.best_bid()),
                    ask: top(book.best_ask()),
                    orders: book.len(),
                }
            })
            .collect()
    }
}
