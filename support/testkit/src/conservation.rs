//! Conservation checks for queues and channels: every item pushed comes out exactly once,
//! and, where the structure promises it, each producer's items come out in the order that
//! producer pushed them.
//!
//! Producers push [`Item`]s (a producer index and a sequence number packed into a `u64`);
//! each consumer keeps the items it popped, in pop order; [`check`] then compares the logs
//! with what was pushed.
//!
//! ```
//! use course_testkit::conservation::{check, Fifo, Item};
//!
//! // Two producers pushed 0..3 each; one consumer popped them interleaved.
//! let log = vec![Item::new(0, 0), Item::new(1, 0), Item::new(0, 1), Item::new(1, 1),
//!                Item::new(1, 2), Item::new(0, 2)];
//! let summary = check(&[3, 3], &[log], Fifo::PerProducer).unwrap();
//! assert_eq!(summary.items, 6);
//!
//! // A lost item is named.
//! let err = check(&[2], &[vec![Item::new(0, 0)]], Fifo::PerProducer).unwrap_err();
//! assert!(err.contains("never popped"), "{err}");
//! ```

use std::fmt;

const SEQ_BITS: u32 = 40;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;

/// One item: which producer pushed it and its sequence number within that producer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Item(u64);

impl Item {
    /// Packs `producer` (below 2^24) and `seq` (below 2^40) into one word.
    #[inline]
    pub const fn new(producer: usize, seq: u64) -> Self {
        assert!(producer < (1 << (64 - SEQ_BITS)) && seq <= SEQ_MASK);
        Item(((producer as u64) << SEQ_BITS) | seq)
    }

    /// Rebuilds an item from [`Item::to_bits`].
    #[inline]
    pub const fn from_bits(bits: u64) -> Self {
        Item(bits)
    }

    /// The packed form, for queues of `u64`.
    #[inline]
    pub const fn to_bits(self) -> u64 {
        self.0
    }

    /// The producer index.
    #[inline]
    pub const fn producer(self) -> usize {
        (self.0 >> SEQ_BITS) as usize
    }

    /// The sequence number within the producer.
    #[inline]
    pub const fn seq(self) -> u64 {
        self.0 & SEQ_MASK
    }
}

impl fmt::Debug for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(producer {}, seq {})", self.producer(), self.seq())
    }
}

/// Which order the structure promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fifo {
    /// No order promised (a stack, a bag, a priority queue): only exactly-once is checked.
    None,
    /// Within each consumer's log, each producer's items appear in increasing sequence
    /// order (a FIFO queue with any number of consumers).
    PerProducer,
}

/// What a successful check saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Items popped in all.
    pub items: u64,
    /// Items popped by each consumer.
    pub per_consumer: Vec<u64>,
}

/// Checks consumer logs against what was pushed: producer `p` pushed sequence numbers
/// `0..pushed[p]`.
///
/// Returns a message naming the first items that were lost, duplicated, invented or out of
/// order, with where each was seen.
pub fn check(pushed: &[u64], logs: &[Vec<Item>], fifo: Fifo) -> Result<Summary, String> {
    // Where each item was first seen: (consumer, position). One slot per pushed item.
    let mut first_seen: Vec<Vec<Option<(usize, usize)>>> =
        pushed.iter().map(|&n| vec![None; n as usize]).collect();
    let mut problems = Vec::new();
    const MAX_REPORTED: usize = 8;

    for (consumer, log) in logs.iter().enumerate() {
        let mut last_seq: Vec<Option<u64>> = vec![None; pushed.len()];
        for (pos, &item) in log.iter().enumerate() {
            let (p, s) = (item.producer(), item.seq());
            if p >= pushed.len() || s >= pushed[p] {
                problems.push(format!(
                    "consumer {consumer} popped {item:?} at position {pos}, which no producer pushed"
                ));
            } else {
                match first_seen[p][s as usize] {
                    Some((c0, pos0)) => problems.push(format!(
                        "{item:?} was popped twice: by consumer {c0} at position {pos0} and by consumer {consumer} at position {pos}"
                    )),
                    None => first_seen[p][s as usize] = Some((consumer, pos)),
                }
                if fifo == Fifo::PerProducer {
                    if let Some(prev) = last_seq[p]
                        && s <= prev
                    {
                        problems.push(format!(
                            "consumer {consumer} saw producer {p}'s items out of order: seq {s} at position {pos} came after seq {prev}"
                        ));
                    }
                    last_seq[p] = Some(s);
                }
            }
            if problems.len() >= MAX_REPORTED {
                break;
            }
        }
    }

    let mut lost = Vec::new();
    let mut lost_count = 0u64;
    for (p, seen) in first_seen.iter().enumerate() {
        for (s, where_) in seen.iter().enumerate() {
            if where_.is_none() {
                lost_count += 1;
                if lost.len() < 5 {
                    lost.push(Item::new(p, s as u64));
                }
            }
        }
    }
    if lost_count > 0 {
        problems.push(format!(
            "{lost_count} item(s) were pushed but never popped (lost); the first: {lost:?}"
        ));
    }

    if problems.is_empty() {
        Ok(Summary {
            items: logs.iter().map(|l| l.len() as u64).sum(),
            per_consumer: logs.iter().map(|l| l.len() as u64).collect(),
        })
    } else {
        Err(format!(
            "conservation check failed:\n  - {}",
            problems.join("\n  - ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_interleaved_fifo() {
        let log = vec![Item::new(1, 0), Item::new(0, 0), Item::new(1, 1)];
        assert!(check(&[1, 2], &[log], Fifo::PerProducer).is_ok());
    }

    #[test]
    fn reports_duplicates_reordering_and_inventions() {
        let log = vec![
            Item::new(0, 1),
            Item::new(0, 0),
            Item::new(0, 1),
            Item::new(3, 0),
        ];
        let err = check(&[2], &[log], Fifo::PerProducer).unwrap_err();
        assert!(err.contains("popped twice"), "{err}");
        assert!(err.contains("out of order"), "{err}");
        assert!(err.contains("no producer pushed"), "{err}");
    }

    #[test]
    fn order_is_ignored_without_fifo() {
        let log = vec![Item::new(0, 1), Item::new(0, 0)];
        assert!(check(&[2], std::slice::from_ref(&log), Fifo::None).is_ok());
        assert!(check(&[2], &[log], Fifo::PerProducer).is_err());
    }

    #[test]
    fn multiple_consumers() {
        let a = vec![Item::new(0, 0), Item::new(0, 2)];
        let b = vec![Item::new(0, 1)];
        let s = check(&[3], &[a, b], Fifo::PerProducer).unwrap();
        assert_eq!(s.per_consumer, vec![2, 1]);
    }
}
