//! ITCH 5.0 replay: one [`OrderBook`] per stock, fed by decoded messages.
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
//!
//! # Finding orders by their number
//!
//! Each operation has the effect, and the errors, of the book method in the table, but the
//! replay does not ask the book's hash index where an order is: ITCH order numbers rise
//! through the day across all stocks, so the replay keeps the places of the orders with
//! the last 65,536 numbers in a ring indexed by the number (`day.rs`), and gives the books
//! operations by pool index (`OrderBook::add_unindexed`, `take_at`, `delete_at`). An
//! order that outlives the window moves to its book's own index, where the book's
//! methods find it. Recent orders of all stocks then share the ring's cache lines, where
//! a hash puts each new id in a line of its own: the chapter measures what that gives.

use course_itch::cli::{Books, StockTop, Top};
use course_itch::{Message, Stock};

use crate::day::{Look, Place, Recent};
use crate::{BookError, Hints, Order, OrderBook, Side};

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
pub struct Replay {
    /// One entry per possible locate code (2^16 of them, 512 KiB of pointers, most never
    /// touched): indexing by a `u16` then needs neither a bounds check nor a resize.
    books: Box<[Option<Box<OrderBook>>; 1 << 16]>,
    names: Vec<Option<Stock>>,
    hints: Hints,
    /// The places of the orders with the last 65,536 numbers (`day.rs`).
    recent: Recent,
    /// Whether a recent number has ever gone to a book's own index (a feed that put one
    /// number on two stocks at once, or the ring given up). Until then, a recent number the
    /// ring does not hold rests nowhere, and an add need not ask the book's index.
    mixed: bool,
    /// Whether the ring is given up: the numbers were too sparse for it (`Recent::sparse`),
    /// and every order goes to its book's index, as the book's own methods do.
    retired: bool,
}

impl std::fmt::Debug for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replay")
            .field("books", &self.locates().count())
            .field("hints", &self.hints)
            .finish_non_exhaustive()
    }
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
            books: (0..1 << 16)
                .map(|_| None)
                .collect::<Box<[_]>>()
                .try_into()
                .expect("2^16 entries"),
            names: Vec::new(),
            hints,
            recent: Recent::default(),
            mixed: false,
            retired: false,
        }
    }

    /// The book of the stock with this locate code, created if needed.
    #[inline]
    fn book_mut(&mut self, locate: u16) -> &mut OrderBook {
        Self::book_in(&mut self.books, self.hints, locate)
    }

    /// [`book_mut`](Self::book_mut) on the field alone, so that `recent` stays free to
    /// borrow.
    #[inline(always)]
    fn book_in(
        books: &mut [Option<Box<OrderBook>>; 1 << 16],
        hints: Hints,
        locate: u16,
    ) -> &mut OrderBook {
        books[usize::from(locate)].get_or_insert_with(|| Box::new(OrderBook::with_hints(hints)))
    }

    /// Whether order `id` rests on this stock's book (see `day.rs` for where it can be).
    #[inline]
    fn rests(&mut self, locate: u16, id: u64) -> bool {
        match self.recent.look(id) {
            Look::Held(p) if p.locate == locate => true,
            Look::Free | Look::New if !self.mixed => false,
            _ => self.book_mut(locate).indexes(id),
        }
    }

    /// `A`, `F`: as [`OrderBook::add`].
    #[inline(always)]
    fn add(
        &mut self,
        locate: u16,
        id: u64,
        side: Side,
        price: i64,
        qty: u64,
    ) -> Result<(), BookError> {
        // The common case, the day's next number: its entry is in the window and free, and
        // no number has ever been on two stocks (so no book's index can hold it).
        if qty != 0 && !self.mixed {
            let (books, hints) = (&mut self.books, self.hints);
            let admit = self.recent.admit(id);
            if let Some(left) = admit.left {
                Self::evict(books, hints, &[left]);
            }
            if let Some((number, place)) = admit.soon {
                Self::book_in(books, hints, place.locate).prefetch_index(number);
            }
            if let Some(k) = admit.entry {
                let book = Self::book_in(books, hints, locate);
                let slot = book.add_unindexed(id, side, price, qty);
                self.recent.insert_at(k, Place { locate, slot });
                return Ok(());
            }
        } else if self.retired {
            return self.book_mut(locate).add(id, side, price, qty);
        }
        self.add_slow(locate, id, side, price, qty)
    }

    /// [`add`](Self::add) for the rest: a zero quantity, a number more than one past the
    /// window, a straggler from before it, a duplicate, a number reused across stocks.
    #[inline(never)]
    fn add_slow(
        &mut self,
        locate: u16,
        id: u64,
        side: Side,
        price: i64,
        qty: u64,
    ) -> Result<(), BookError> {
        if qty == 0 {
            return Err(BookError::ZeroQuantity);
        }
        // (A retired ring never gets here with a positive quantity: `add` sends those to
        // the book.)
        debug_assert!(!self.retired);
        let mut look = self.recent.look(id);
        if look == Look::New {
            // The orders that outlived the window move to their books' indices.
            let (books, hints) = (&mut self.books, self.hints);
            self.recent
                .slide_to(id, |batch| Self::evict(books, hints, batch));
            if self.recent.sparse() {
                // Numbers with gaps (a file filtered to a few stocks): each jump costs a
                // scan of the entries it passes, and few orders stay in the window long
                // enough to be found there. The books' indices do better: every order
                // moves there, for good.
                self.recent
                    .evict_all(|batch| Self::evict(books, hints, batch));
                (self.retired, self.mixed) = (true, true);
                return self.book_mut(locate).add(id, side, price, qty);
            }
            look = Look::Free;
        }
        let book = Self::book_in(&mut self.books, self.hints, locate);
        match look {
            Look::Free => {
                if self.mixed && book.indexes(id) {
                    return Err(BookError::DuplicateOrder(id));
                }
                let slot = book.add_unindexed(id, side, price, qty);
                self.recent.insert(id, Place { locate, slot });
                Ok(())
            }
            Look::Held(p) if p.locate == locate => Err(BookError::DuplicateOrder(id)),
            // Another stock's order holds the number: this one goes to its book's index.
            Look::Held(_) => {
                self.mixed = true;
                book.add(id, side, price, qty)
            }
            // A straggler from before the window: the book's index too.
            Look::Old | Look::New => book.add(id, side, price, qty),
        }
    }

    /// Orders that outlived the window: to their books' indices. Every bucket they go to
    /// is prefetched first, so that the misses overlap: moved one by one, with each miss
    /// waited for in turn, they took the 64-stock replay's gain away.
    #[cold]
    #[inline(never)]
    fn evict(books: &mut [Option<Box<OrderBook>>; 1 << 16], hints: Hints, batch: &[(u64, Place)]) {
        for &(number, place) in batch {
            Self::book_in(books, hints, place.locate).prefetch_index(number);
        }
        for &(number, place) in batch {
            Self::book_in(books, hints, place.locate).adopt(number, place.slot);
        }
    }

    /// `E`, `C`, `X`: as [`OrderBook::execute`] and [`OrderBook::reduce`].
    #[inline(always)]
    fn take(&mut self, locate: u16, id: u64, qty: u64) -> Result<(), BookError> {
        let slot = self.recent.slot(id, locate);
        let book = Self::book_in(&mut self.books, self.hints, locate);
        match slot {
            Some(slot) => {
                if book.take_at(slot, id, qty)? == 0 {
                    self.recent.remove(id);
                }
                Ok(())
            }
            // An old order (in the book's index), or an unknown one: the book says which.
            None => book.execute(id, qty).map(drop),
        }
    }

    /// `D`, and the first half of `U`: as [`OrderBook::delete`].
    #[inline(always)]
    fn delete(&mut self, locate: u16, id: u64) -> Result<Order, BookError> {
        let slot = self.recent.slot(id, locate);
        let book = Self::book_in(&mut self.books, self.hints, locate);
        match slot {
            Some(slot) => {
                self.recent.remove(id);
                Ok(book.delete_at(slot))
            }
            None => book.delete(id),
        }
    }

    /// `U`: as [`OrderBook::replace`], with the same checks in the same order, all before
    /// the first change.
    #[inline(always)]
    fn replace(
        &mut self,
        locate: u16,
        old: u64,
        new: u64,
        price: i64,
        qty: u64,
    ) -> Result<(), BookError> {
        if qty == 0 {
            return Err(BookError::ZeroQuantity);
        }
        if !self.rests(locate, old) {
            return Err(BookError::UnknownOrder(old));
        }
        if new != old && self.rests(locate, new) {
            return Err(BookError::DuplicateOrder(new));
        }
        let side = self.delete(locate, old).expect("checked above").side;
        self.add(locate, new, side, price, qty)
    }

    /// Applies one message (see the module docs for the mapping).
    ///
    /// # Errors
    ///
    /// The book's refusal, with the stock and message type; the book is unchanged.
    #[inline(always)]
    pub fn apply(&mut self, message: Message<'_>) -> Result<(), ReplayError> {
        let locate = message.locate();
        let result = match message {
            Message::AddOrder(m) => {
                let side = match m.side() {
                    course_itch::Side::Buy => Side::Bid,
                    course_itch::Side::Sell => Side::Ask,
                };
                self.add(
                    locate,
                    m.order(),
                    side,
                    i64::from(m.price()),
                    u64::from(m.shares()),
                )
            }
            Message::OrderExecuted(m) => self.take(locate, m.order(), u64::from(m.shares())),
            Message::OrderExecutedWithPrice(m) => {
                self.take(locate, m.order(), u64::from(m.shares()))
            }
            Message::OrderCancel(m) => self.take(locate, m.order(), u64::from(m.shares())),
            Message::OrderDelete(m) => self.delete(locate, m.order()).map(drop),
            Message::OrderReplace(m) => self.replace(
                locate,
                m.order(),
                m.new_order(),
                i64::from(m.price()),
                u64::from(m.shares()),
            ),
            Message::StockDirectory(m) => {
                let i = usize::from(locate);
                if i >= self.names.len() {
                    self.names.resize(i + 1, None);
                }
                self.names[i] = Some(m.stock());
                self.book_mut(locate);
                Ok(())
            }
            _ => Ok(()),
        };
        result.map_err(|error| ReplayError {
            locate,
            kind: message.kind(),
            error,
        })
    }

    /// The book of the stock with this locate code, if it has one.
    pub fn book(&self, locate: u16) -> Option<&OrderBook> {
        self.books[usize::from(locate)].as_deref()
    }

    /// The resting order `id` of the stock with this locate code: O(1), where
    /// [`OrderBook::order`] on a replay's book may scan (see it).
    pub fn order(&self, locate: u16, id: u64) -> Option<Order> {
        let book = self.book(locate)?;
        match self.recent.get(id) {
            Some(p) if p.locate == locate => Some(book.order_at(p.slot)),
            _ => book.order(id),
        }
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

    // Inlined into the replay tool's loop, as `Replay::apply` is: one dispatch on the type
    // per message (see the chapter, "Branches the predictor cannot learn").
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

#[cfg(test)]
mod tests {
    use super::*;
    use course_itch::{Header, Record, frames};

    /// The table's window, in numbers (`day.rs`).
    const W_FOR_TESTS: u64 = crate::day::WINDOW;

    /// The paths a Nasdaq feed never takes, message by message.
    #[test]
    fn numbers_reused_across_stocks_old_and_evicted_orders() {
        let mut replay = Replay::default();
        let h = |locate| Header {
            locate,
            tracking: 0,
            timestamp: 0,
        };
        let add = |locate, order, price| Record::AddOrder {
            header: h(locate),
            order,
            side: course_itch::Side::Buy,
            shares: 10,
            stock: course_itch::Stock::new("T"),
            price,
            mpid: None,
        };
        let del = |locate, order| Record::OrderDelete {
            header: h(locate),
            order,
        };
        let exe = |locate, order, shares| Record::OrderExecuted {
            header: h(locate),
            order,
            shares,
            match_number: 0,
        };
        let rep = |locate, order, new_order| Record::OrderReplace {
            header: h(locate),
            order,
            new_order,
            shares: 5,
            price: 9_900,
        };
        let dup = |n| Err(BookError::DuplicateOrder(n));
        let unknown = |n| Err(BookError::UnknownOrder(n));
        let far = 10 * W_FOR_TESTS;
        let steps: Vec<(Record, Result<(), BookError>)> = vec![
            (add(1, 7, 10_000), Ok(())),
            // Number 7 on a second stock while it rests on the first: allowed by the API.
            (add(2, 7, 10_000), Ok(())),
            (add(2, 7, 10_000), dup(7)),
            (del(1, 7), Ok(())),
            // Stock 2 still holds 7 (in its book's index): still a duplicate there, and
            // there to replace.
            (add(2, 7, 10_000), dup(7)),
            (rep(2, 7, 20), Ok(())),
            (rep(2, 20, 7), Ok(())),
            (add(1, 7, 10_000), Ok(())),
            (del(2, 7), Ok(())),
            (del(2, 7), unknown(7)),
            (add(1, 8, 10_000), Ok(())),
            // Far past the window: 7 and 8 move to stock 1's index.
            (add(1, far, 10_100), Ok(())),
            (exe(1, 8, 3), Ok(())),
            (rep(1, 8, 9), Ok(())),
            (del(1, 8), unknown(8)),
            // Replacing into a number another stock's order holds is allowed.
            (add(3, far + 1, 10_000), Ok(())),
            (rep(1, 9, far + 1), Ok(())),
            (rep(1, 7, far), dup(far)),
            (rep(1, 7, 7), Ok(())),
            // A straggler from before the window.
            (add(3, 5, 10_000), Ok(())),
            (add(3, 5, 10_000), dup(5)),
            (
                exe(3, 5, 11),
                Err(BookError::ExceedsRemaining {
                    id: 5,
                    remaining: 10,
                    requested: 11,
                }),
            ),
            (exe(3, 5, 10), Ok(())),
            (exe(3, 5, 1), unknown(5)),
        ];
        for (n, (record, want)) in steps.iter().enumerate() {
            let mut bytes = Vec::new();
            record.encode(&mut bytes);
            let m = frames(&bytes).next().unwrap().unwrap();
            assert_eq!(
                replay.apply(m).map_err(|e| e.error),
                *want,
                "step {n}: {record:?}"
            );
        }
        let ids = |locate| {
            let book = replay.book(locate).unwrap();
            book.orders_at(Side::Bid, 9_900)
                .into_iter()
                .chain(book.orders_at(Side::Bid, 10_000))
                .chain(book.orders_at(Side::Bid, 10_100))
                .map(|o| (o.id, o.qty))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(1), vec![(far + 1, 5), (7, 5), (far, 10)]);
        assert_eq!(ids(2), vec![]);
        assert_eq!(ids(3), vec![(far + 1, 10)]);
        for (locate, id) in [(1, far + 1), (1, 7), (1, far), (3, far + 1)] {
            assert_eq!(
                replay.order(locate, id),
                replay.book(locate).unwrap().order(id)
            );
            assert!(replay.order(locate, id).is_some());
        }
        assert_eq!(replay.order(2, 7), None);
    }

    /// The replay against plain books, one per stock, fed the same operations: the same
    /// result for every message and the same books after. The numbers are drawn so that
    /// every path of the recent-orders table runs: most rise as on a real day, some are
    /// reused on another stock while the first order rests (not Nasdaq's, but allowed by
    /// the book API), some come from before the window, some jump past it (so that
    /// orders are evicted to their books' indices), and some messages are wrong.
    #[test]
    fn agrees_with_one_plain_book_per_stock() {
        let replay = agrees_with_plain_books(0x2545_f491_4f6c_dd1d, 1);
        assert!(!replay.retired, "a dense feed keeps the ring");
    }

    /// The same with sparse numbers (as in a file filtered to a few stocks): the replay
    /// gives the ring up early, and still agrees.
    #[test]
    fn agrees_with_plain_books_when_numbers_are_sparse() {
        let replay = agrees_with_plain_books(0x9e37_79b9_7f4a_7c15, 5_000);
        assert!(replay.retired, "sparse numbers retire the ring");
    }

    /// Replays random messages whose new numbers rise by about `gap` into a [`Replay`] and
    /// into plain books, checking every result and the books, and returns the replay.
    fn agrees_with_plain_books(seed: u64, gap: u64) -> Replay {
        let mut rng = course_itch::session::SplitMix64::new(seed);
        let mut rand = move |n: u64| rng.below(n);
        let mut records = Vec::new();
        let mut next = 1u64;
        let mut recent: Vec<(u16, u64)> = Vec::new();
        for step in 0..60_000u64 {
            let locate = 1 + rand(3) as u16;
            let header = Header {
                locate,
                tracking: 0,
                timestamp: step,
            };
            let pick = |r: u64, recent: &Vec<(u16, u64)>, next: u64| {
                if recent.is_empty() || r.is_multiple_of(10) {
                    r % (next + 10) // anything, often unknown or on another stock
                } else {
                    recent[(r as usize / 10) % recent.len()].1
                }
            };
            let order = match rand(100) {
                0..=44 => {
                    let number = match rand(100) {
                        0..=2 => pick(rand(u64::MAX), &recent, next), // reused or duplicate
                        3..=4 => next.saturating_sub(rand(200_000)),  // a straggler, maybe old
                        5 => {
                            next += 70_000 + rand(100_000); // past the window
                            next
                        }
                        _ => {
                            next += gap + rand(2 * gap);
                            next
                        }
                    };
                    recent.push((locate, number));
                    Record::AddOrder {
                        header,
                        order: number,
                        side: if rand(2) == 0 {
                            course_itch::Side::Buy
                        } else {
                            course_itch::Side::Sell
                        },
                        shares: rand(5) as u32, // sometimes 0
                        stock: course_itch::Stock::new("T"),
                        price: 100 * (500 + rand(40) as u32),
                        mpid: None,
                    }
                }
                45..=79 => Record::OrderDelete {
                    header,
                    order: pick(rand(u64::MAX), &recent, next),
                },
                80..=89 => Record::OrderCancel {
                    header,
                    order: pick(rand(u64::MAX), &recent, next),
                    shares: rand(4) as u32,
                },
                90..=94 => Record::OrderExecuted {
                    header,
                    order: pick(rand(u64::MAX), &recent, next),
                    shares: rand(4) as u32,
                    match_number: step,
                },
                _ => {
                    let new_order = if rand(4) == 0 {
                        pick(rand(u64::MAX), &recent, next)
                    } else {
                        next += 1;
                        next
                    };
                    recent.push((locate, new_order));
                    Record::OrderReplace {
                        header,
                        order: pick(rand(u64::MAX), &recent, next),
                        new_order,
                        shares: rand(5) as u32,
                        price: 100 * (500 + rand(40) as u32),
                    }
                }
            };
            if recent.len() > 400 {
                recent.drain(..200);
            }
            records.push(order);
        }
        let mut bytes = Vec::new();
        for r in &records {
            r.encode(&mut bytes);
        }

        let mut replay = Replay::default();
        let mut plain: Vec<OrderBook> = (0..4)
            .map(|_| OrderBook::with_hints(Replay::ITCH_HINTS))
            .collect();
        let (mut refused, mut evicted_paths) = (0, 0);
        for (n, m) in frames(&bytes).enumerate() {
            let m = m.unwrap();
            let b = &mut plain[usize::from(m.locate())];
            let want = match m {
                Message::AddOrder(a) => b.add(
                    a.order(),
                    if a.side() == course_itch::Side::Buy {
                        Side::Bid
                    } else {
                        Side::Ask
                    },
                    i64::from(a.price()),
                    u64::from(a.shares()),
                ),
                Message::OrderDelete(d) => b.delete(d.order()).map(drop),
                Message::OrderCancel(c) => b.reduce(c.order(), u64::from(c.shares())).map(drop),
                Message::OrderExecuted(e) => b.execute(e.order(), u64::from(e.shares())).map(drop),
                Message::OrderReplace(u) => b.replace(
                    u.order(),
                    u.new_order(),
                    i64::from(u.price()),
                    u64::from(u.shares()),
                ),
                _ => unreachable!(),
            };
            let got = replay.apply(m).map_err(|e| e.error);
            assert_eq!(got, want, "message {n}: {m:?}");
            refused += usize::from(want.is_err());
            if n % 5_000 == 4_999 {
                for locate in 1..4u16 {
                    let (mine, theirs) =
                        (replay.book(locate).unwrap(), &plain[usize::from(locate)]);
                    assert_eq!(mine.len(), theirs.len(), "orders on {locate} after {n}");
                    for side in [Side::Bid, Side::Ask] {
                        assert_eq!(mine.depth(side, usize::MAX), theirs.depth(side, usize::MAX));
                    }
                }
            }
        }
        // Every resting order is found, by the replay and by its book, wherever it is.
        for locate in 1..4u16 {
            let book = replay.book(locate).unwrap();
            for side in [Side::Bid, Side::Ask] {
                for level in plain[usize::from(locate)].depth(side, usize::MAX) {
                    for o in plain[usize::from(locate)].orders_at(side, level.price) {
                        assert_eq!(replay.order(locate, o.id), Some(o));
                        assert_eq!(book.order(o.id), Some(o));
                        evicted_paths += usize::from(book.indexes(o.id));
                    }
                    assert_eq!(
                        book.orders_at(side, level.price),
                        plain[usize::from(locate)].orders_at(side, level.price),
                        "time priority at {}",
                        level.price
                    );
                }
            }
        }
        assert!(replay.mixed, "the test must reuse a number across stocks");
        assert!(
            refused > 1_000,
            "the test must send wrong messages ({refused})"
        );
        assert!(
            evicted_paths > 0,
            "the test must leave some orders in the books' own indices"
        );
        replay
    }
}
