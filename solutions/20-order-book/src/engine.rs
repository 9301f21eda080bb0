//! The matching engine: incoming orders trade against the book in price-time priority.
//!
//! # Rules
//!
//! - **Price-time priority.** An incoming buy trades with the lowest ask first, an
//!   incoming sell with the highest bid; within one price, with the oldest order first.
//!   Every trade happens at the *resting* order's price (the incoming order may get a
//!   better price than its limit, never a worse one).
//! - **Limit orders** trade while the best opposite price is at or better than their
//!   limit; what is left rests at the limit ([`TimeInForce::Gtc`]) or is cancelled
//!   ([`TimeInForce::Ioc`], immediate-or-cancel).
//! - **Market orders** trade at any price until filled or until the opposite side is
//!   empty; they never rest (what is left is cancelled, whatever the time in force).
//! - **Self-trade prevention: cancel newest.** When the next resting order to trade has
//!   the same owner as the incoming order, matching stops and the incoming order's
//!   remainder is cancelled; the resting order is untouched. (Resting the remainder would
//!   cross the book; trading with yourself is wash trading.) Exchanges offer other rules
//!   (cancel oldest, cancel both, decrement); this engine implements one, and says so in
//!   [`Submitted::self_trade`].
//!
//! Fills go to a caller's callback, in the order they happen: nothing is allocated per
//! order.

use crate::book::OrderBook;
use crate::{BookError, Hints, Order, Side};

/// How an incoming order is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderKind {
    /// Trade at this price or better.
    Limit(i64),
    /// Trade at any price.
    Market,
}

/// What happens to the part of a limit order that does not trade at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeInForce {
    /// Good till cancelled: the remainder rests on the book.
    Gtc,
    /// Immediate or cancel: the remainder is cancelled.
    Ioc,
}

/// An incoming order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NewOrder {
    /// Its id: must not be the id of a resting order.
    pub id: u64,
    /// Who sends it (for self-trade prevention).
    pub owner: u32,
    /// Buy ([`Side::Bid`]) or sell ([`Side::Ask`]).
    pub side: Side,
    /// Limit or market.
    pub kind: OrderKind,
    /// What happens to the remainder of a limit order.
    pub tif: TimeInForce,
    /// Quantity (at least 1).
    pub qty: u64,
}

/// One trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fill {
    /// The incoming order.
    pub taker: u64,
    /// The resting order.
    pub maker: u64,
    /// The resting order's price.
    pub price: i64,
    /// Quantity traded.
    pub qty: u64,
}

/// What became of an incoming order: `filled + rested + cancelled` is its quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Submitted {
    /// Quantity traded.
    pub filled: u64,
    /// Quantity left resting on the book (under the order's id).
    pub rested: u64,
    /// Quantity cancelled (IOC or market remainder, or self-trade prevention).
    pub cancelled: u64,
    /// Whether matching stopped because the next trade would have been with the same
    /// owner.
    pub self_trade: bool,
}

/// A matching engine for one instrument, on the order book's ladder.
#[derive(Debug, Default)]
pub struct Engine {
    book: OrderBook,
}

impl Engine {
    /// An empty engine with [`Hints::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty engine whose book is sized by `hints`.
    pub fn with_hints(hints: Hints) -> Self {
        Self {
            book: OrderBook::with_hints(hints),
        }
    }

    /// The book (read-only: change it through [`submit`](Self::submit) and
    /// [`cancel`](Self::cancel)).
    pub fn book(&self) -> &OrderBook {
        &self.book
    }

    /// Matches `order` against the book, calling `on_fill` for each trade in the order
    /// they happen, then rests or cancels the remainder (see the module docs).
    ///
    /// # Errors
    ///
    /// [`BookError::ZeroQuantity`] if `order.qty` is 0; [`BookError::DuplicateOrder`] if
    /// an order with this id rests. Nothing trades then.
    pub fn submit(
        &mut self,
        order: NewOrder,
        mut on_fill: impl FnMut(Fill),
    ) -> Result<Submitted, BookError> {
        if order.qty == 0 {
            return Err(BookError::ZeroQuantity);
        }
        if self.book.contains(order.id) {
            return Err(BookError::DuplicateOrder(order.id));
        }
        let mut out = Submitted::default();
        let mut left = order.qty;
        let against = order.side.opposite();
        while left > 0 {
            let Some((i, maker)) = self.book.front(against) else {
                break;
            };
            let crosses = match order.kind {
                OrderKind::Market => true,
                OrderKind::Limit(limit) => match order.side {
                    Side::Bid => maker.price <= limit,
                    Side::Ask => maker.price >= limit,
                },
            };
            if !crosses {
                break;
            }
            if self.book.owner_of(i) == order.owner {
                out.self_trade = true;
                break;
            }
            let qty = left.min(maker.qty);
            on_fill(Fill {
                taker: order.id,
                maker: maker.id,
                price: maker.price,
                qty,
            });
            self.book.fill(i, qty);
            left -= qty;
            out.filled += qty;
        }
        match order.kind {
            OrderKind::Limit(price)
                if left > 0 && order.tif == TimeInForce::Gtc && !out.self_trade =>
            {
                self.book
                    .insert(order.id, order.side, price, left, order.owner)
                    .expect("checked above: a new id and a positive quantity");
                out.rested = left;
            }
            _ => out.cancelled = left,
        }
        Ok(out)
    }

    /// Cancels a resting order and returns it as it was.
    ///
    /// # Errors
    ///
    /// [`BookError::UnknownOrder`].
    pub fn cancel(&mut self, id: u64) -> Result<Order, BookError> {
        self.book.delete(id)
    }
}
