//! What a replay tool reports: message counts per type, per-message latency from the CPU's
//! time-stamp counter, and percentiles from an HdrHistogram.
//!
//! # Percentiles, not averages
//!
//! A book that handles 99 % of messages in 40 ns and 1 % in 40 µs averages 440 ns: a
//! number no message ever took. Latency distributions have long tails, and the tail is what
//! a trading system is judged on (the one slow message is the one that arrived during the
//! burst that mattered). So [`Percentiles`] reports p50, p90, p99, p99.9, p99.99 and the
//! maximum, from an HdrHistogram (3 significant digits).
//!
//! # Timing one message
//!
//! `Instant::now()` is a call into the kernel's vDSO that reads the clock and converts it,
//! a cost of the same order as the work being timed. [`Tsc`] reads the time-stamp counter
//! instead: `lfence; rdtsc; lfence` before and after the
//! work, so that the work cannot leak out of the timed window (Intel's white paper "How to
//! Benchmark Code Execution Times on Intel IA-32 and IA-64 Instruction Set Architectures"
//! explains why an unfenced `rdtsc` can be reordered with the code it times). The counter ticks at a constant rate on every current x86
//! CPU (`constant_tsc`); [`Tsc::calibrate`] measures that rate against the OS clock. On
//! other architectures it falls back to `Instant`.
//!
//! Timing each message this way adds the timer's own cost (measured and reported as
//! [`Tsc::overhead_ns`]) and perturbs the pipeline, so a replay reports throughput from an
//! untimed pass and percentiles from a timed one.

use std::fmt;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// Messages per type byte.
#[derive(Clone, PartialEq, Eq)]
pub struct TypeCounts([u64; 256]);

impl Default for TypeCounts {
    fn default() -> Self {
        Self::new()
    }
}

impl TypeCounts {
    /// All zero.
    pub fn new() -> Self {
        Self([0; 256])
    }

    /// Counts one message of type `kind`.
    #[inline(always)]
    pub fn add(&mut self, kind: u8) {
        self.0[usize::from(kind)] += 1;
    }

    /// Messages of type `kind`.
    pub fn get(&self, kind: u8) -> u64 {
        self.0[usize::from(kind)]
    }

    /// All messages.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// `(type, count)` for every type seen, in the specification's order (unknown types
    /// last, by byte).
    pub fn nonzero(&self) -> Vec<(u8, u64)> {
        let mut out: Vec<(u8, u64)> = crate::MESSAGE_NAMES
            .iter()
            .map(|&(k, _)| (k, self.get(k)))
            .filter(|&(_, n)| n > 0)
            .collect();
        for k in 0..=255u8 {
            if crate::message_len(k).is_none() && self.get(k) > 0 {
                out.push((k, self.get(k)));
            }
        }
        out
    }
}

impl fmt::Debug for TypeCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.nonzero().into_iter().map(|(k, n)| (char::from(k), n)))
            .finish()
    }
}

impl fmt::Display for TypeCounts {
    /// A table: type, name, count, share.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.total().max(1) as f64;
        for (k, n) in self.nonzero() {
            let name = crate::MESSAGE_NAMES
                .iter()
                .find(|(b, _)| *b == k)
                .map_or("unknown", |(_, name)| name);
            writeln!(
                f,
                "  {}  {:<28} {:>12} {:>7.2} %",
                char::from(k),
                name,
                n,
                100.0 * n as f64 / total
            )?;
        }
        writeln!(f, "     {:<28} {:>12}", "total", self.total())
    }
}

/// A clock that reads the CPU's time-stamp counter (x86-64), calibrated to nanoseconds.
#[derive(Debug, Clone, Copy)]
pub struct Tsc {
    ns_per_tick: f64,
    overhead_ticks: u64,
}

impl Tsc {
    /// Measures the counter's rate against `Instant` over `window` (10–50 ms is plenty),
    /// and the cost of one `start`/`stop` pair.
    pub fn calibrate(window: Duration) -> Self {
        let (t0, c0) = (Instant::now(), Self::read_start());
        while t0.elapsed() < window {
            std::hint::spin_loop();
        }
        let (t1, c1) = (Instant::now(), Self::read_end());
        let ticks = c1.saturating_sub(c0).max(1);
        let ns_per_tick = if cfg!(target_arch = "x86_64") {
            (t1 - t0).as_nanos() as f64 / ticks as f64
        } else {
            1.0
        };
        let mut overhead = u64::MAX;
        for _ in 0..1_000 {
            let a = Self::read_start();
            let b = Self::read_end();
            overhead = overhead.min(b.saturating_sub(a));
        }
        Self {
            ns_per_tick,
            overhead_ticks: overhead,
        }
    }

    /// The counter, read after every earlier instruction has completed and before any
    /// later one starts (`lfence; rdtsc; lfence`).
    #[inline(always)]
    pub fn read_start() -> u64 {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `lfence` and `rdtsc` exist on every x86-64 CPU (SSE2 and the TSC are
            // part of the x86-64 baseline), touch no memory and need no target feature.
            unsafe {
                core::arch::x86_64::_mm_lfence();
                let t = core::arch::x86_64::_rdtsc();
                core::arch::x86_64::_mm_lfence();
                t
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            fallback_nanos()
        }
    }

    /// The same fenced read, for the end of the timed work. (Intel's paper uses `rdtscp`
    /// here; the fenced `rdtsc` gives the same guarantee and exists on every x86-64 CPU.)
    #[inline(always)]
    pub fn read_end() -> u64 {
        Self::read_start()
    }

    /// Converts a tick difference to nanoseconds.
    #[inline(always)]
    pub fn to_ns(&self, ticks: u64) -> u64 {
        (ticks as f64 * self.ns_per_tick) as u64
    }

    /// Nanoseconds per tick.
    pub fn ns_per_tick(&self) -> f64 {
        self.ns_per_tick
    }

    /// The smallest `read_end() - read_start()` seen with nothing in between, in ns: the
    /// floor every per-message figure includes.
    pub fn overhead_ns(&self) -> u64 {
        self.to_ns(self.overhead_ticks)
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn fallback_nanos() -> u64 {
    use std::sync::OnceLock;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Latency percentiles in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    /// Values recorded.
    pub count: u64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th.
    pub p99: u64,
    /// 99.9th.
    pub p999: u64,
    /// 99.99th.
    pub p9999: u64,
    /// The largest value.
    pub max: u64,
    /// The mean, for comparison only (see the module docs).
    pub mean: f64,
}

impl Percentiles {
    /// Reads the percentiles off a histogram.
    pub fn of(h: &Histogram<u64>) -> Self {
        Self {
            count: h.len(),
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            p9999: h.value_at_quantile(0.9999),
            max: h.max(),
            mean: h.mean(),
        }
    }

    /// A histogram for nanosecond latencies from 1 ns to 1 s, 3 significant digits.
    pub fn histogram() -> Histogram<u64> {
        Histogram::new_with_bounds(1, 1_000_000_000, 3).expect("valid bounds")
    }
}

impl fmt::Display for Percentiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "p50 {} ns, p90 {} ns, p99 {} ns, p99.9 {} ns, p99.99 {} ns, max {} ns (mean {:.1} ns, n = {})",
            self.p50, self.p90, self.p99, self.p999, self.p9999, self.max, self.mean, self.count
        )
    }
}

/// Response times of a single server that serves messages in arrival order, given when each
/// message arrived and how long each took to serve (both in ns): the answer to "what
/// latency would a client have seen if the messages had arrived at these times?".
///
/// A replay that times each message from the moment it *starts* being processed reports
/// service times. When messages arrive faster than they are served, they wait, and
/// a message's real latency is its wait plus its service. A benchmark that only measures
/// service time (or that sends the next request only after the previous answer) omits the
/// waits, precisely when they are longest: Gil Tene's *coordinated omission*. This function
/// puts them back with the queue recursion `start_i = max(arrival_i, end_{i-1})`,
/// `end_i = start_i + service_i`, `response_i = end_i - arrival_i`.
///
/// `on_response` is called once per message, in order.
///
/// # Panics
///
/// If the slices differ in length.
pub fn queue_response_times(arrivals: &[u64], service: &[u64], mut on_response: impl FnMut(u64)) {
    assert_eq!(
        arrivals.len(),
        service.len(),
        "one service time per arrival"
    );
    let mut end = 0u64;
    for (&a, &s) in arrivals.iter().zip(service) {
        let start = a.max(end);
        end = start + s;
        on_response(end - a);
    }
}
