//! The order pool: every resting order in one `Vec`, recycled through a free list.
//!
//! A node is named by its index (`u32`), never by a pointer: indices stay valid when the
//! vector grows, are half the size of a pointer (more links per cache line), and need no
//! `unsafe`. A freed node goes to the front of the free list, linked through its `next`
//! field; the next allocation takes it back. So after the book has once held its peak
//! number of orders, `alloc` never allocates.
//!
//! The pool has one owner (the book, on one thread), so the free list is a plain index. A
//! pool shared between threads needs a tagged index to defeat ABA (exercise 12); ERRATA row
//! 40 of the course notes is about a "pool" that was only a bump index and never freed.

use crate::Side;

/// The end of a list: no node.
pub(crate) const NIL: u32 = u32::MAX;

/// One order, and its links in its level's FIFO.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    pub(crate) id: u64,
    pub(crate) price: i64,
    pub(crate) qty: u64,
    /// The previous (older) order at the same level, or `NIL`.
    pub(crate) prev: u32,
    /// The next (younger) order at the same level, or `NIL`; in a free node, the next free.
    pub(crate) next: u32,
    /// Who sent it (the matching engine's self-trade check); 0 for feed orders.
    pub(crate) owner: u32,
    pub(crate) side: Side,
}

#[derive(Debug)]
pub(crate) struct Pool {
    nodes: Vec<Node>,
    free: u32,
}

impl Pool {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self {
            nodes: Vec::with_capacity(n),
            free: NIL,
        }
    }

    /// Stores `node` and returns its index: a recycled slot if there is one.
    #[inline]
    pub(crate) fn alloc(&mut self, node: Node) -> u32 {
        if self.free != NIL {
            let i = self.free;
            self.free = self.nodes[i as usize].next;
            self.nodes[i as usize] = node;
            i
        } else {
            let i = u32::try_from(self.nodes.len())
                .ok()
                .filter(|&i| i != NIL)
                .expect("at most u32::MAX - 1 resting orders");
            self.nodes.push(node);
            i
        }
    }

    /// Returns node `i` to the free list.
    #[inline]
    pub(crate) fn free(&mut self, i: u32) {
        self.nodes[i as usize].next = self.free;
        self.free = i;
    }

    #[inline]
    pub(crate) fn get(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, i: u32) -> &mut Node {
        &mut self.nodes[i as usize]
    }
}
