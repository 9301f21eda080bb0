//! The models the hidden tests compare against, written to be obviously right rather than
//! fast.
//!
//! - [`RefBook`]: the textbook order book: a `BTreeMap` from price to a FIFO queue of ids
//!   per side, and a `HashMap` of orders (std's, with its default hasher). It is also the
//!   bench's "BTreeMap book" peer.
//! - [`RefMatcher`]: a matching engine that keeps every resting order in one `Vec` and
//!   scans all of them for the best one before every trade.
//! - [`RefReplay`]: ITCH messages applied to one [`RefBook`] per stock.

use std::collections::{BTreeMap, HashMap, VecDeque};

use course_itch::Message;

use crate::imp::{BookError, Level, Order, Side};

#[derive(Debug, Clone, Default)]
struct RefLevel {
    qty: u64,
    queue: VecDeque<u64>,
}

/// The reference book. Same operations, same errors (checked in the same order) as the
/// exercise's `OrderBook`.
#[derive(Debug, Clone, Default)]
pub struct RefBook {
    orders: HashMap<u64, Order>,
    bids: BTreeMap<i64, RefLevel>,
    asks: BTreeMap<i64, RefLevel>,
}

impl RefBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    fn side_mut(&mut self, side: Side) -> &mut BTreeMap<i64, RefLevel> {
        match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        }
    }

    /// Rests a new order at the back of its level.
    pub fn add(&mut self, id: u64, side: Side, price: i64, qty: u64) -> Result<(), BookError> {
        if qty == 0 {
            return Err(BookError::ZeroQuantity);
        }
        if self.orders.contains_key(&id) {
            return Err(BookError::DuplicateOrder(id));
        }
        self.orders.insert(
            id,
            Order {
                id,
                side,
                price,
                qty,
            },
        );
        let level = self.side_mut(side).entry(price).or_default();
        level.qty += qty;
        level.queue.push_back(id);
        Ok(())
    }

    /// Removes `qty` from an order; returns what remains (the order leaves at 0).
    pub fn reduce(&mut self, id: u64, qty: u64) -> Result<u64, BookError> {
        if qty == 0 {
            return Err(BookError::ZeroQuantity);
        }
        let Some(o) = self.orders.get(&id).copied() else {
            return Err(BookError::UnknownOrder(id));
        };
        if qty > o.qty {
            return Err(BookError::ExceedsRemaining {
                id,
                remaining: o.qty,
                requested: qty,
            });
        }
        if qty == o.qty {
            self.delete(id)?;
            return Ok(0);
        }
        self.orders.get_mut(&id).expect("present").qty -= qty;
        self.side_mut(o.side)
            .get_mut(&o.price)
            .expect("its level")
            .qty -= qty;
        Ok(o.qty - qty)
    }

    /// The same effect as [`reduce`](Self::reduce).
    pub fn execute(&mut self, id: u64, qty: u64) -> Result<u64, BookError> {
        self.reduce(id, qty)
    }

    /// Removes an order and returns it.
    pub fn delete(&mut self, id: u64) -> Result<Order, BookError> {
        let Some(o) = self.orders.remove(&id) else {
            return Err(BookError::UnknownOrder(id));
        };
        let side = self.side_mut(o.side);
        let level = side.get_mut(&o.price).expect("its level");
        let at = level
            .queue
            .iter()
            .position(|&x| x == id)
            .expect("in its queue");
        level.queue.remove(at);
        level.qty -= o.qty;
        if level.queue.is_empty() {
            side.remove(&o.price);
        }
        Ok(o)
    }

    /// Replaces an order: same side, new id, price and quantity, back of the queue.
    pub fn replace(
        &mut self,
        old_id: u64,
        new_id: u64,
        price: i64,
        qty: u64,
    ) -> Result<(), BookError> {
        if qty == 0 {
            return Err(BookError::ZeroQuantity);
        }
        let Some(o) = self.orders.get(&old_id).copied() else {
            return Err(BookError::UnknownOrder(old_id));
        };
        if new_id != old_id && self.orders.contains_key(&new_id) {
            return Err(BookError::DuplicateOrder(new_id));
        }
        self.delete(old_id)?;
        self.add(new_id, o.side, price, qty)
    }

    fn level_of(price: i64, l: &RefLevel) -> Level {
        Level {
            price,
            qty: l.qty,
            orders: l.queue.len() as u32,
        }
    }

    /// The highest bid.
    pub fn best_bid(&self) -> Option<Level> {
        self.bids
            .iter()
            .next_back()
            .map(|(&p, l)| Self::level_of(p, l))
    }

    /// The lowest ask.
    pub fn best_ask(&self) -> Option<Level> {
        self.asks.iter().next().map(|(&p, l)| Self::level_of(p, l))
    }

    /// The best `n` levels, best first.
    pub fn depth(&self, side: Side, n: usize) -> Vec<Level> {
        match side {
            Side::Bid => self
                .bids
                .iter()
                .rev()
                .take(n)
                .map(|(&p, l)| Self::level_of(p, l))
                .collect(),
            Side::Ask => self
                .asks
                .iter()
                .take(n)
                .map(|(&p, l)| Self::level_of(p, l))
                .collect(),
        }
    }

    /// The order with this id.
    pub fn order(&self, id: u64) -> Option<Order> {
        self.orders.get(&id).copied()
    }

    /// The ids at one price, oldest first.
    pub fn queue(&self, side: Side, price: i64) -> Vec<u64> {
        let levels = match side {
            Side::Bid => &self.bids,
            Side::Ask => &self.asks,
        };
        levels
            .get(&price)
            .map(|l| l.queue.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Every price with orders on one side, best first.
    pub fn prices(&self, side: Side) -> Vec<i64> {
        self.depth(side, usize::MAX)
            .into_iter()
            .map(|l| l.price)
            .collect()
    }

    /// Resting orders.
    pub fn len(&self) -> usize {
        self.orders.len()
    }

    /// Whether the book is empty.
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }
}

/// One stock book per locate code, fed by ITCH messages with the same mapping as the
/// exercise's `Replay::apply`.
#[derive(Debug, Clone, Default)]
pub struct RefReplay {
    /// The books, by locate code.
    pub books: BTreeMap<u16, RefBook>,
}

impl RefReplay {
    /// No books.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one message.
    pub fn apply(&mut self, m: Message<'_>) -> Result<(), BookError> {
        let locate = m.locate();
        match m {
            Message::AddOrder(a) => {
                let side = match a.side() {
                    course_itch::Side::Buy => Side::Bid,
                    course_itch::Side::Sell => Side::Ask,
                };
                self.books.entry(locate).or_default().add(
                    a.order(),
                    side,
                    i64::from(a.price()),
                    u64::from(a.shares()),
                )
            }
            Message::OrderExecuted(e) => self
                .books
                .entry(locate)
                .or_default()
                .execute(e.order(), u64::from(e.shares()))
                .map(drop),
            Message::OrderExecutedWithPrice(e) => self
                .books
                .entry(locate)
                .or_default()
                .execute(e.order(), u64::from(e.shares()))
                .map(drop),
            Message::OrderCancel(x) => self
                .books
                .entry(locate)
                .or_default()
                .reduce(x.order(), u64::from(x.shares()))
                .map(drop),
            Message::OrderDelete(d) => self
                .books
                .entry(locate)
                .or_default()
                .delete(d.order())
                .map(drop),
            Message::OrderReplace(u) => self.books.entry(locate).or_default().replace(
                u.order(),
                u.new_order(),
                i64::from(u.price()),
                u64::from(u.shares()),
            ),
            Message::StockDirectory(_) => {
                self.books.entry(locate).or_default();
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// A resting order in the naive matcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Resting {
    id: u64,
    owner: u32,
    side: Side,
    price: i64,
    qty: u64,
    seq: u64,
}

/// The naive matching engine: every resting order in one `Vec`; before each trade, a scan
/// for the best opposite order by (price, arrival). Same rules as the exercise's `Engine`.
#[derive(Debug, Clone, Default)]
pub struct RefMatcher {
    resting: Vec<Resting>,
    seq: u64,
}

/// One trade: (taker, maker, price, qty).
pub type RefFill = (u64, u64, i64, u64);

/// What became of an order: (filled, rested, cancelled, self_trade).
pub type RefOutcome = (u64, u64, u64, bool);

impl RefMatcher {
    /// An empty matcher.
    pub fn new() -> Self {
        Self::default()
    }

    /// Submits an order; `limit` is `None` for a market order, `ioc` cancels the remainder.
    #[allow(clippy::too_many_arguments)]
    pub fn submit(
        &mut self,
        id: u64,
        owner: u32,
        side: Side,
        limit: Option<i64>,
        ioc: bool,
        qty: u64,
        fills: &mut Vec<RefFill>,
    ) -> Result<RefOutcome, BookError> {
        if qty == 0 {
            return Err(BookError::ZeroQuantity);
        }
        if self.resting.iter().any(|r| r.id == id) {
            return Err(BookError::DuplicateOrder(id));
        }
        let mut left = qty;
        let mut filled = 0;
        let mut self_trade = false;
        while left > 0 {
            // The best opposite order: best price, then earliest arrival.
            let best = self
                .resting
                .iter()
                .enumerate()
                .filter(|(_, r)| r.side != side)
                .filter(|(_, r)| match (limit, side) {
                    (None, _) => true,
                    (Some(l), Side::Bid) => r.price <= l,
                    (Some(l), Side::Ask) => r.price >= l,
                })
                .min_by_key(|(_, r)| {
                    let price_rank = if side == Side::Bid { r.price } else { -r.price };
                    (i128::from(price_rank), r.seq)
                })
                .map(|(i, _)| i);
            let Some(i) = best else { break };
            if self.resting[i].owner == owner {
                self_trade = true;
                break;
            }
            let r = &mut self.resting[i];
            let q = left.min(r.qty);
            fills.push((id, r.id, r.price, q));
            r.qty -= q;
            left -= q;
            filled += q;
            if r.qty == 0 {
                self.resting.remove(i);
            }
        }
        let (mut rested, mut cancelled) = (0, 0);
        match limit {
            Some(price) if left > 0 && !ioc && !self_trade => {
                self.seq += 1;
                self.resting.push(Resting {
                    id,
                    owner,
                    side,
                    price,
                    qty: left,
                    seq: self.seq,
                });
                rested = left;
            }
            _ => cancelled = left,
        }
        Ok((filled, rested, cancelled, self_trade))
    }

    /// Cancels a resting order.
    pub fn cancel(&mut self, id: u64) -> Result<Order, BookError> {
        let Some(i) = self.resting.iter().position(|r| r.id == id) else {
            return Err(BookError::UnknownOrder(id));
        };
        let r = self.resting.remove(i);
        Ok(Order {
            id,
            side: r.side,
            price: r.price,
            qty: r.qty,
        })
    }

    /// The levels of one side, best first.
    pub fn depth(&self, side: Side) -> Vec<Level> {
        let mut levels: BTreeMap<i64, (u64, u32)> = BTreeMap::new();
        for r in self.resting.iter().filter(|r| r.side == side) {
            let l = levels.entry(r.price).or_default();
            l.0 += r.qty;
            l.1 += 1;
        }
        let it = levels
            .into_iter()
            .map(|(price, (qty, orders))| Level { price, qty, orders });
        match side {
            Side::Bid => it.rev().collect(),
            Side::Ask => it.collect(),
        }
    }
}
