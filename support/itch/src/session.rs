//! A generator of trading sessions in ITCH 5.0: deterministic, consistent, and shaped like
//! a real day.
//!
//! Users who clone the course have no Nasdaq data, so the benches and stress tests of
//! exercises 20 and 21 run on sessions written here. What makes a session realistic enough
//! to measure a book on:
//!
//! - **Many stocks, unevenly busy.** Stock `i` (0-based) gets a share of the messages
//!   proportional to `1 / (i + 1)` (a Zipf law): a few names carry most of the flow, as on a
//!   real day.
//! - **The message mix of a real day.** Per stock, when its book holds its target number of
//!   orders, the next message is an add, delete, replace, execution or partial cancel with
//!   the weights of one published real day: 1,993,352 AAPL order messages from a full day of
//!   TotalView-ITCH were 907,157 adds, 869,314 deletes, 151,325 replaces, 55,168
//!   executions, 224 executions with price and 10,161 cancels (the README of
//!   github.com/markwinter/orderbook-rust-itch). Below the target, adds are more likely;
//!   above it, less. About 1 % of messages are non-displayed trades (`P`), which change no
//!   book, and 3 % of adds name their participant (`F`).
//! - **Activity near the touch.** A new order's distance from the touch, in ticks, is
//!   geometric with mean about 1.9 for 97 % of adds; 2.5 % are deep (10–200 ticks) and
//!   0.5 % far (1,000–20,000 ticks), like stub quotes. Prices are whole cents (ITCH price
//!   units of $0.0001, multiples of 100), as for every US stock above $1.
//! - **Short-lived orders.** 75 % of deletes, replaces and cancels pick one of the stock's 32
//!   most recently added orders; the rest pick any live order. Quotes that are refreshed
//!   within milliseconds are most of a real day's cancels.
//! - **A book that never crosses.** New bids stay below the best ask and new asks above the
//!   best bid; executions take the oldest order at the best price (price-time priority);
//!   each stock's fair price takes a random walk, so the touch moves during the session.
//!
//! Every message is valid for a correct book: no unknown reference, no execution of more
//! shares than rest. Timestamps increase, with bursts (90 % of gaps average 2 µs, the rest
//! 200 µs).
//!
//! The random numbers come from SplitMix64, written out below rather than taken from a
//! crate, so that a seed gives the same session in every version of the course (numbers in
//! the book name their seed).

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::encode::{Header, Record, Side, Stock};
use crate::replay::TypeCounts;

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): a 64-bit state, one add and three xor-shift-multiplies per number. Fast,
/// statistically sound for simulation, and fixed forever.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose stream depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift (bias below 2^-32 for the small `n`
    /// used here).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Geometric: failures before the first success of a `p`-coin (mean `(1 - p) / p`).
    pub fn geometric(&mut self, p: f64) -> u64 {
        let u = 1.0 - self.unit(); // (0, 1]
        (u.ln() / (1.0 - p).ln()).floor() as u64
    }

    /// Exponential with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -(1.0 - self.unit()).ln() * mean
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The session depends only on this (and the other fields).
    pub seed: u64,
    /// Order-flow messages to write (adds, executions, cancels, deletes, replaces, trades);
    /// the opening and closing system events and the directory come on top.
    pub messages: usize,
    /// Stocks, with locate codes `1..=stocks` (at most 9,999).
    pub stocks: usize,
    /// Live orders per stock at which adds and removals balance.
    pub target_live: usize,
}

impl Default for SessionConfig {
    /// One million messages over 64 stocks, about 1,000 live orders per busy stock.
    fn default() -> Self {
        Self {
            seed: 20,
            messages: 1_000_000,
            stocks: 64,
            target_live: 1_000,
        }
    }
}

impl SessionConfig {
    /// One busy stock with a deep book (5,000 live orders at balance), the rest as
    /// [`Default`]: the order-book bench's second session, whose books fit in L2.
    pub fn one_busy_stock() -> Self {
        Self {
            stocks: 1,
            target_live: 5_000,
            ..Self::default()
        }
    }
}

/// A generated session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The messages, each with its 2-byte length prefix, as in a daily file.
    pub bytes: Vec<u8>,
    /// Messages in `bytes`, all types.
    pub messages: u64,
    /// Messages per type.
    pub counts: TypeCounts,
    /// `(locate, symbol)` of every stock, locates `1..=n`.
    pub stocks: Vec<(u16, Stock)>,
    /// The most orders that rested at once on each stock's book (same order as `stocks`).
    pub peak_live: Vec<usize>,
    /// The most distinct price levels on one side of one book at once, over all stocks.
    pub peak_levels: usize,
}

impl Session {
    /// The most orders that rested at once on any one stock's book.
    pub fn max_peak_live(&self) -> usize {
        self.peak_live.iter().copied().max().unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy)]
struct Resting {
    stock: usize,
    side: Side,
    price: u32,
    shares: u32,
}

const RECENT: usize = 32;

#[derive(Debug)]
struct StockState {
    locate: u16,
    symbol: Stock,
    /// Fair price in cents.
    fair: i64,
    bids: BTreeMap<u32, VecDeque<u64>>,
    asks: BTreeMap<u32, VecDeque<u64>>,
    /// Live order references, for uniform picks; `pos` maps a reference to its index.
    live: Vec<u64>,
    pos: HashMap<u64, usize>,
    /// The most recently added references (some may be gone).
    recent: [u64; RECENT],
    recent_next: usize,
    peak_live: usize,
}

impl StockState {
    fn best_bid(&self) -> Option<u32> {
        self.bids.keys().next_back().copied()
    }
    fn best_ask(&self) -> Option<u32> {
        self.asks.keys().next().copied()
    }
    fn side_mut(&mut self, side: Side) -> &mut BTreeMap<u32, VecDeque<u64>> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }
}

/// The weights of the message mix (per million), from the real day quoted in the module
/// docs, plus 1 % trades.
const W_ADD: f64 = 455_100.0;
const W_DELETE: f64 = 436_100.0;
const W_REPLACE: f64 = 75_900.0;
const W_EXECUTE: f64 = 27_700.0;
const W_EXECUTE_PRICE: f64 = 120.0;
const W_CANCEL: f64 = 5_100.0;
const W_TRADE: f64 = 10_000.0;

struct Generator {
    rng: SplitMix64,
    cfg: SessionConfig,
    out: Vec<u8>,
    counts: TypeCounts,
    messages: u64,
    clock: u64,
    next_order: u64,
    next_match: u64,
    orders: HashMap<u64, Resting>,
    stocks: Vec<StockState>,
    cumulative: Vec<f64>,
    peak_levels: usize,
}

/// Generates a session. Deterministic: the same config gives the same bytes.
///
/// # Panics
///
/// If `stocks` is 0 or above 9,999.
pub fn generate(cfg: &SessionConfig) -> Session {
    assert!(
        (1..=9_999).contains(&cfg.stocks),
        "1 to 9,999 stocks, not {}",
        cfg.stocks
    );
    let mut g = Generator::new(cfg.clone());
    g.run();
    Session {
        messages: g.messages,
        counts: g.counts,
        stocks: g.stocks.iter().map(|s| (s.locate, s.symbol)).collect(),
        peak_live: g.stocks.iter().map(|s| s.peak_live).collect(),
        peak_levels: g.peak_levels,
        bytes: g.out,
    }
}

impl Generator {
    fn new(cfg: SessionConfig) -> Self {
        let mut rng = SplitMix64::new(cfg.seed);
        let mut names = std::collections::HashSet::new();
        let mut stocks = Vec::with_capacity(cfg.stocks);
        for i in 0..cfg.stocks {
            let symbol = loop {
                let len = rng.between(3, 4) as usize;
                let name: String = (0..len)
                    .map(|_| char::from(b'A' + rng.below(26) as u8))
                    .collect();
                if names.insert(name.clone()) {
                    break Stock::new(&name);
                }
            };
            // Log-uniform between $5 and $500, in cents.
            let dollars = (5f64.ln() + rng.unit() * (100f64).ln()).exp();
            stocks.push(StockState {
                locate: (i + 1) as u16,
                symbol,
                fair: (dollars * 100.0).round() as i64,
                bids: BTreeMap::new(),
                asks: BTreeMap::new(),
                live: Vec::new(),
                pos: HashMap::new(),
                recent: [0; RECENT],
                recent_next: 0,
                peak_live: 0,
            });
        }
        let mut acc = 0.0;
        let cumulative = (0..cfg.stocks)
            .map(|i| {
                acc += 1.0 / (i + 1) as f64;
                acc
            })
            .collect();
        Self {
            rng,
            out: Vec::with_capacity(cfg.messages * 34 + 4096),
            counts: TypeCounts::new(),
            messages: 0,
            clock: 4 * 3600 * 1_000_000_000, // 04:00, start of system hours
            next_order: 1_000,
            next_match: 1,
            orders: HashMap::new(),
            stocks,
            cumulative,
            peak_levels: 0,
            cfg,
        }
    }

    fn emit(&mut self, r: Record) {
        r.encode(&mut self.out);
        self.counts.add(r.kind());
        self.messages += 1;
    }

    fn header(&mut self, locate: u16) -> Header {
        Header {
            locate,
            tracking: 0,
            timestamp: self.clock,
        }
    }

    fn system(&mut self, event: u8) {
        let header = self.header(0);
        self.emit(Record::SystemEvent { header, event });
    }

    fn run(&mut self) {
        self.system(b'O');
        self.system(b'S');
        for i in 0..self.stocks.len() {
            let (locate, stock) = (self.stocks[i].locate, self.stocks[i].symbol);
            let header = self.header(locate);
            self.emit(Record::StockDirectory {
                header,
                stock,
                market_category: b'Q',
                financial_status: b'N',
                round_lot: 100,
            });
            let header = self.header(locate);
            self.emit(Record::TradingAction {
                header,
                stock,
                state: b'T',
                reason: *b"    ",
            });
        }
        self.clock = 34_200 * 1_000_000_000; // 09:30, the open
        self.system(b'Q');
        for _ in 0..self.cfg.messages {
            let gap = if self.rng.chance(0.9) {
                self.rng.exponential(2_000.0)
            } else {
                self.rng.exponential(200_000.0)
            };
            self.clock += gap as u64 + 1;
            let total = *self.cumulative.last().expect("at least one stock");
            let x = self.rng.unit() * total;
            let s = self.cumulative.partition_point(|&c| c <= x);
            let s = s.min(self.stocks.len() - 1);
            self.step(s);
        }
        self.system(b'M');
        self.system(b'E');
        self.system(b'C');
    }

    /// One order-flow message for stock `s`.
    fn step(&mut self, s: usize) {
        // The fair price walks a cent now and then.
        if self.rng.chance(0.02) {
            let st = &mut self.stocks[s];
            st.fair = (st.fair + if self.rng.chance(0.5) { 1 } else { -1 }).max(100);
        }
        let live = self.stocks[s].live.len();
        let target = self.cfg.target_live.max(1) as f64;
        let pressure = (target / live.max(1) as f64).clamp(0.25, 4.0);
        let w_add = W_ADD * pressure;
        let weights = [
            w_add,
            W_DELETE,
            W_REPLACE,
            W_EXECUTE,
            W_EXECUTE_PRICE,
            W_CANCEL,
            W_TRADE,
        ];
        let total: f64 = weights.iter().sum();
        let mut x = self.rng.unit() * total;
        let mut kind = 0;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                kind = i;
                break;
            }
            x -= w;
        }
        if live == 0 && kind != 6 {
            kind = 0;
        }
        match kind {
            0 => self.add(s),
            1 => {
                let id = self.pick(s);
                self.delete(s, id);
            }
            2 => {
                let id = self.pick(s);
                self.replace(s, id);
            }
            3 | 4 => self.execute(s, kind == 4),
            5 => {
                let id = self.pick(s);
                self.cancel(s, id);
            }
            _ => self.trade(s),
        }
    }

    /// A price for a new order on `side` of stock `s`, in ITCH units.
    fn quote_price(&mut self, s: usize, side: Side) -> u32 {
        let r = self.rng.unit();
        let distance = if r < 0.97 {
            self.rng.geometric(0.35) as i64
        } else if r < 0.995 {
            self.rng.between(10, 200) as i64
        } else {
            self.rng.between(1_000, 20_000) as i64
        };
        let st = &self.stocks[s];
        let cents = match side {
            Side::Buy => {
                let top = st
                    .best_ask()
                    .map_or(st.fair, |a| st.fair.min(i64::from(a / 100) - 1));
                top - distance
            }
            Side::Sell => {
                let bottom = st
                    .best_bid()
                    .map_or(st.fair + 1, |b| (st.fair + 1).max(i64::from(b / 100) + 1));
                bottom + distance
            }
        };
        // Whole cents from $0.01 to $199,999.99 (the largest Price(4) Nasdaq sends).
        (cents.clamp(1, 19_999_999) * 100) as u32
    }

    fn shares(&mut self) -> u32 {
        if self.rng.chance(0.8) {
            100 * self.rng.between(1, 10) as u32
        } else {
            self.rng.between(1, 99) as u32
        }
    }

    fn rest(&mut self, s: usize, id: u64, side: Side, price: u32, shares: u32) {
        self.orders.insert(
            id,
            Resting {
                stock: s,
                side,
                price,
                shares,
            },
        );
        let st = &mut self.stocks[s];
        st.side_mut(side).entry(price).or_default().push_back(id);
        st.pos.insert(id, st.live.len());
        st.live.push(id);
        st.recent[st.recent_next] = id;
        st.recent_next = (st.recent_next + 1) % RECENT;
        st.peak_live = st.peak_live.max(st.live.len());
        let levels = st.bids.len().max(st.asks.len());
        self.peak_levels = self.peak_levels.max(levels);
    }

    /// Takes order `id` off the generator's book.
    fn unrest(&mut self, id: u64) -> Resting {
        let o = self.orders.remove(&id).expect("a live order");
        let st = &mut self.stocks[o.stock];
        let level = st.side_mut(o.side);
        let queue = level.get_mut(&o.price).expect("its level");
        let at = queue.iter().position(|&x| x == id).expect("in its queue");
        queue.remove(at);
        if queue.is_empty() {
            level.remove(&o.price);
        }
        let i = st.pos.remove(&id).expect("listed");
        st.live.swap_remove(i);
        if let Some(&moved) = st.live.get(i) {
            st.pos.insert(moved, i);
        }
        o
    }

    /// A live order of stock `s` (which has at least one): recent ones most of the time.
    fn pick(&mut self, s: usize) -> u64 {
        if self.rng.chance(0.75) {
            let st = &self.stocks[s];
            let start = self.rng.below(RECENT as u64) as usize;
            for k in 0..RECENT {
                let id = st.recent[(start + k) % RECENT];
                if st.pos.contains_key(&id) {
                    return id;
                }
            }
        }
        let st = &self.stocks[s];
        st.live[self.rng.below(st.live.len() as u64) as usize]
    }

    fn add(&mut self, s: usize) {
        let side = if self.rng.chance(0.5) {
            Side::Buy
        } else {
            Side::Sell
        };
        let price = self.quote_price(s, side);
        let shares = self.shares();
        let id = self.next_order;
        self.next_order += 1;
        let mpid = self.rng.chance(0.03).then_some(*b"CRSE");
        let (locate, stock) = (self.stocks[s].locate, self.stocks[s].symbol);
        let header = self.header(locate);
        self.emit(Record::AddOrder {
            header,
            order: id,
            side,
            shares,
            stock,
            price,
            mpid,
        });
        self.rest(s, id, side, price, shares);
    }

    fn delete(&mut self, s: usize, id: u64) {
        self.unrest(id);
        let header = self.header(self.stocks[s].locate);
        self.emit(Record::OrderDelete { header, order: id });
    }

    fn replace(&mut self, s: usize, id: u64) {
        let old = self.unrest(id);
        let price = self.quote_price(s, old.side);
        let shares = self.shares();
        let new_order = self.next_order;
        self.next_order += 1;
        let header = self.header(self.stocks[s].locate);
        self.emit(Record::OrderReplace {
            header,
            order: id,
            new_order,
            shares,
            price,
        });
        self.rest(s, new_order, old.side, price, shares);
    }

    fn cancel(&mut self, s: usize, id: u64) {
        let shares = self.orders[&id].shares;
        if shares < 2 {
            return self.delete(s, id);
        }
        let cancelled = self.rng.between(1, u64::from(shares) - 1) as u32;
        self.orders.get_mut(&id).expect("live").shares -= cancelled;
        let header = self.header(self.stocks[s].locate);
        self.emit(Record::OrderCancel {
            header,
            order: id,
            shares: cancelled,
        });
    }

    /// An execution against the oldest order at the best price of one side.
    fn execute(&mut self, s: usize, with_price: bool) {
        let st = &self.stocks[s];
        let side = match (st.best_bid(), st.best_ask()) {
            (Some(_), None) => Side::Buy,
            (None, Some(_)) => Side::Sell,
            // Sellers hit the bid when the fair price sits below it, and so on; else a coin.
            (Some(b), Some(a)) => {
                let (b, a) = (i64::from(b / 100), i64::from(a / 100));
                if st.fair <= b {
                    Side::Buy
                } else if st.fair >= a {
                    Side::Sell
                } else if self.rng.chance(0.5) {
                    Side::Buy
                } else {
                    Side::Sell
                }
            }
            (None, None) => return self.add(s),
        };
        let st = &self.stocks[s];
        let level = match side {
            Side::Buy => st.bids.iter().next_back(),
            Side::Sell => st.asks.iter().next(),
        };
        let (&price, queue) = level.expect("a best level");
        let id = *queue.front().expect("a non-empty level");
        let resting = self.orders[&id].shares;
        let shares = if resting == 1 || self.rng.chance(0.6) {
            resting
        } else {
            self.rng.between(1, u64::from(resting) - 1) as u32
        };
        let match_number = self.next_match;
        self.next_match += 1;
        let header = self.header(self.stocks[s].locate);
        self.emit(if with_price {
            Record::OrderExecutedWithPrice {
                header,
                order: id,
                shares,
                match_number,
                printable: true,
                price,
            }
        } else {
            Record::OrderExecuted {
                header,
                order: id,
                shares,
                match_number,
            }
        });
        if shares == resting {
            self.unrest(id);
        } else {
            self.orders.get_mut(&id).expect("live").shares -= shares;
        }
    }

    /// A trade against a non-displayed order: changes no book.
    fn trade(&mut self, s: usize) {
        let side = if self.rng.chance(0.5) {
            Side::Buy
        } else {
            Side::Sell
        };
        let shares = self.shares();
        let price = (self.stocks[s].fair.max(1) * 100) as u32;
        let match_number = self.next_match;
        self.next_match += 1;
        let (locate, stock) = (self.stocks[s].locate, self.stocks[s].symbol);
        let header = self.header(locate);
        self.emit(Record::Trade {
            header,
            order: 0,
            side,
            shares,
            stock,
            price,
            match_number,
        });
    }
}
