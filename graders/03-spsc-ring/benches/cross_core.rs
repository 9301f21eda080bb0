//! Cross-core benches: a producer pinned to one core, a consumer pinned to another.
//!
//! Cross-core figures on a shared or virtual machine swing from run to run and from
//! process to process (where the buffers land, which regime the pair settles into), so
//! every comparison here is a [`course_testkit::rounds::Experiment`]: its cases run
//! interleaved, round after round, in several processes, and the table reports medians,
//! spread and the round-by-round ratio to a baseline (rtrb, where it takes part).
//!
//! ```console
//! $ cargo xtask bench 03-spsc-ring --solution            # everything, a few minutes
//! $ cargo xtask bench 03-spsc-ring --solution --filter "capacity 1024"
//! ```
//!
//! `--filter` runs only the experiments whose name contains the text (and the criterion
//! benchmarks of `single_thread.rs` whose name contains it).
//!
//! Knobs: `COURSE_ROUNDS`, `COURSE_PROCESSES` (rounds per process, processes),
//! `COURSE_ROUNDS_JSON=<file>` (append each result as a JSON line),
//! `COURSE_BENCH_NO_PIN=1` (do not pin).
//!
//! | experiment | unit | cases |
//! |---|---|---|
//! | throughput, capacity 1024 / 65536 | M items/s | this ring, rtrb, crossbeam `ArrayQueue`, std `sync_channel`; batched: this ring's `push_slice`/`pop_slice` and rtrb's `push_partial_slice`/`pop_partial_slice` (256 at a time) |
//! | throughput, capacity 1024 / 65536, consumer working | M items/s | this ring, rtrb, `ArrayQueue`, the consumer doing about 1 ns of work per item |
//! | round trip through two rings | ns per round trip | the same peers, each side spinning (channels block) |
//! | spin vs yield | ns (p50, p99 one-way latency) and % of a core | `pop_blocking` with `Wait::Spin`, `Wait::Yield`, `Wait::SpinThenYield`, alone and sharing its core with a busy thread |

use std::hint::{black_box, spin_loop};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use course_testkit::pin;
use course_testkit::rounds::{Better, Experiment};
use spsc_ring_grader::drivers::{
    array_queue, batched_throughput, pinned, round_trip, throughput, throughput_with_work,
};
use spsc_ring_grader::{UNDER_TEST, imp};

/// Items per throughput measurement, one at a time and batched.
const ITEMS: u64 = 2_000_000;
const ITEMS_BATCHED: u64 = 10_000_000;
/// Items per batch in the batched cases.
const BATCH: usize = 256;
/// Round trips per latency measurement, for spinning queues and for blocking channels.
const ROUND_TRIPS: u64 = 50_000;
const ROUND_TRIPS_BLOCKING: u64 = 500;
/// Capacity of each of the two rings in the round-trip experiment (one item in flight).
const RT_CAP: usize = 1024;

/// The one experiment filter: the first argument that is not a flag.
fn wanted(name: &str) -> bool {
    match std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        Some(filter) => name.contains(&filter),
        None => true,
    }
}

fn throughput_experiment(cap: usize) {
    let name = format!("throughput, capacity {cap}");
    if !wanted(&name) {
        return;
    }
    let exp = Experiment::new(name, "M items/s", Better::Higher)
        .case("rtrb: push/pop", move || {
            throughput(rtrb::RingBuffer::new(cap), ITEMS, cap).mops
        })
        .case(format!("{UNDER_TEST}: push/pop"), move || {
            throughput(imp::channel(cap), ITEMS, cap).mops
        });
    #[cfg(all(feature = "reference", not(feature = "solution")))]
    let exp = exp.case("reference: push/pop", move || {
        throughput(spsc_ring_grader::reference::channel(cap), ITEMS, cap).mops
    });
    exp.case("crossbeam ArrayQueue: push/pop", move || {
        throughput(array_queue(cap), ITEMS, cap).mops
    })
    .case("std sync_channel: send/recv", move || {
        throughput(std::sync::mpsc::sync_channel(cap), ITEMS, cap).mops
    })
    .case(
        format!("rtrb: push/pop_partial_slice ×{BATCH}"),
        move || batched_throughput(rtrb::RingBuffer::new(cap), ITEMS_BATCHED, BATCH),
    )
    .case(
        format!("{UNDER_TEST}: push/pop_slice ×{BATCH}"),
        move || batched_throughput(imp::channel(cap), ITEMS_BATCHED, BATCH),
    )
    .baseline("rtrb: push/pop")
    .run();
}

/// Dependent multiply steps the consumer does per item in the "consumer working"
/// experiments (about 1 ns in all).
const LIGHT_WORK: u32 = 2;

/// The same hand-off with a consumer that does a little work per item, as real consumers
/// do. A bare consumer is *faster* than its producer, so the pair tends to settle with the
/// ring nearly empty and the consumer reading each line while the producer still writes
/// it; a consumer slightly slower than the producer lets the ring fill, and the producer
/// then refills each slot right behind the consumer, in the line it is still reading. The
/// two states run at different speeds (which one is faster has changed between sessions),
/// and which one a run settles into decides its throughput more than the code does
/// (`examples/regimes.rs` sweeps the work).
fn working_consumer_experiment(cap: usize) {
    let name = format!("throughput, capacity {cap}, consumer working");
    if !wanted(&name) {
        return;
    }
    let exp = Experiment::new(name, "M items/s", Better::Higher)
        .case("rtrb: push/pop", move || {
            throughput_with_work(rtrb::RingBuffer::new(cap), ITEMS, cap, LIGHT_WORK).mops
        })
        .case(format!("{UNDER_TEST}: push/pop"), move || {
            throughput_with_work(imp::channel(cap), ITEMS, cap, LIGHT_WORK).mops
        });
    #[cfg(all(feature = "reference", not(feature = "solution")))]
    let exp = exp.case("reference: push/pop", move || {
        throughput_with_work(
            spsc_ring_grader::reference::channel(cap),
            ITEMS,
            cap,
            LIGHT_WORK,
        )
        .mops
    });
    exp.case("crossbeam ArrayQueue: push/pop", move || {
        throughput_with_work(array_queue(cap), ITEMS, cap, LIGHT_WORK).mops
    })
    .baseline("rtrb: push/pop")
    .run();
}

fn round_trips() {
    let name = "round trip through two rings (one item in flight)";
    if !wanted(name) {
        return;
    }
    Experiment::new(name, "ns per round trip", Better::Lower)
        .case("rtrb (spin)", || {
            round_trip(|| rtrb::RingBuffer::new(RT_CAP), ROUND_TRIPS)
        })
        .case(format!("{UNDER_TEST} (spin)"), || {
            round_trip(|| imp::channel(RT_CAP), ROUND_TRIPS)
        })
        .case("crossbeam ArrayQueue (spin)", || {
            round_trip(|| array_queue(RT_CAP), ROUND_TRIPS)
        })
        .case("std sync_channel (blocking)", || {
            round_trip(
                || std::sync::mpsc::sync_channel(RT_CAP),
                ROUND_TRIPS_BLOCKING,
            )
        })
        .baseline("rtrb (spin)")
        .run();
}

// ---------------------------------------------------------------------------------------
// Spin vs yield: sparse messages (one every MESSAGE_GAP), the consumer waiting with
// `pop_blocking(wait)`, alone on its core or sharing it with a busy thread.

const MESSAGES: usize = 2_000;
const MESSAGE_GAP: Duration = Duration::from_micros(20);

/// What one spin-vs-yield run measured.
struct WaitRun {
    /// One-way latencies, sorted, in ns.
    latencies: Vec<u64>,
    /// CPU time the consumer thread used (user + system), as a percentage of the wall
    /// time it spent waiting for and receiving the messages.
    consumer_cpu: f64,
    /// CPU time the busy neighbour got while sharing the consumer's core, as a percentage
    /// of the wall time (0 without a neighbour).
    neighbour_cpu: f64,
}

impl WaitRun {
    fn quantile(&self, q: f64) -> f64 {
        let i = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        self.latencies[i] as f64
    }
}

/// CPU time the calling thread has used so far (user + system).
#[cfg(target_os = "linux")]
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call has no other preconditions.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_time() -> Duration {
    Duration::ZERO
}

/// The neighbour's work: counts until `stop` is set or `limit` has passed.
fn busy_for(stop: &AtomicBool, limit: Duration) -> u64 {
    let t0 = Instant::now();
    let mut n = 0u64;
    loop {
        for _ in 0..1_000 {
            n = black_box(n + 1);
        }
        if stop.load(Ordering::Relaxed) || t0.elapsed() > limit {
            return n;
        }
    }
}

fn wait_run(wait: imp::Wait, neighbour: bool) -> WaitRun {
    let cores = pin::cores();
    let pin_to = |i: usize| {
        if pinned() && !cores.is_empty() {
            let _ = pin::pin_current(cores[i % cores.len()]);
        }
    };
    let (mut tx, mut rx) = imp::channel::<u64>(1024);
    let epoch = Instant::now();
    let stop = AtomicBool::new(false);
    let ((mut lat, consumer_cpu), busy) = std::thread::scope(|s| {
        let consumer = s.spawn(|| {
            pin_to(1);
            let mut lat = Vec::with_capacity(MESSAGES);
            let (wall0, cpu0) = (Instant::now(), thread_cpu_time());
            while let Some(sent) = rx.pop_blocking(wait) {
                lat.push((epoch.elapsed().as_nanos() as u64).saturating_sub(sent));
            }
            let cpu = (thread_cpu_time() - cpu0).as_secs_f64() / wall0.elapsed().as_secs_f64();
            (lat, 100.0 * cpu)
        });
        let neighbour = neighbour.then(|| {
            s.spawn(|| {
                pin_to(1);
                let (wall0, cpu0) = (Instant::now(), thread_cpu_time());
                black_box(busy_for(&stop, Duration::from_secs(10)));
                let cpu = (thread_cpu_time() - cpu0).as_secs_f64();
                100.0 * cpu / wall0.elapsed().as_secs_f64()
            })
        });
        let producer = s.spawn(move || {
            pin_to(0);
            std::thread::sleep(Duration::from_millis(2));
            let mut next = Instant::now();
            for _ in 0..MESSAGES {
                next += MESSAGE_GAP;
                while Instant::now() < next {
                    spin_loop();
                }
                let sent = epoch.elapsed().as_nanos() as u64;
                tx.push_blocking(sent, imp::Wait::Spin).unwrap();
            }
            // Dropping `tx` ends the consumer's loop.
        });
        producer.join().unwrap();
        let lat = consumer.join().unwrap();
        stop.store(true, Ordering::Relaxed);
        let busy = neighbour.map(|h| h.join().unwrap());
        (lat, busy)
    });
    lat.sort_unstable();
    WaitRun {
        latencies: lat,
        consumer_cpu,
        neighbour_cpu: busy.unwrap_or(0.0),
    }
}

fn spin_vs_yield() {
    let strategies = [
        ("Spin", imp::Wait::Spin),
        (
            "SpinThenYield{100}",
            imp::Wait::SpinThenYield { spins: 100 },
        ),
        ("Yield", imp::Wait::Yield),
    ];
    for (q, label) in [(0.5, "p50"), (0.99, "p99")] {
        let name = format!("spin vs yield: one-way latency {label}");
        if !wanted(&name) {
            continue;
        }
        let mut exp = Experiment::new(name, "ns", Better::Lower);
        for (neighbour, place) in [(false, "alone"), (true, "sharing its core")] {
            for (sname, wait) in strategies {
                exp = exp.case(format!("{sname}, {place}"), move || {
                    wait_run(wait, neighbour).quantile(q)
                });
            }
        }
        exp.baseline("Spin, alone").run();
    }
    let name = "spin vs yield: CPU time of the waiting consumer";
    if wanted(name) {
        let mut exp = Experiment::new(name, "% of one core", Better::Lower);
        for (neighbour, place) in [(false, "alone"), (true, "sharing its core")] {
            for (sname, wait) in strategies {
                exp = exp.case(format!("{sname}, {place}"), move || {
                    wait_run(wait, neighbour).consumer_cpu
                });
            }
        }
        exp.baseline("Spin, alone").run();
    }
    let name = "spin vs yield: CPU left to a busy thread on the consumer's core";
    if wanted(name) {
        let mut exp = Experiment::new(name, "% of one core", Better::Higher);
        for (sname, wait) in strategies {
            exp = exp.case(format!("{sname}, sharing its core"), move || {
                wait_run(wait, true).neighbour_cpu
            });
        }
        exp.baseline("Spin, sharing its core").run();
    }
}

fn main() {
    // `cargo bench -- --list` asks every bench target for its benchmarks: name the
    // experiments instead of running them.
    if std::env::args().any(|a| a == "--list") {
        for name in [
            "throughput, capacity 1024",
            "throughput, capacity 65536",
            "throughput, capacity 1024, consumer working",
            "throughput, capacity 65536, consumer working",
            "round trip through two rings (one item in flight)",
            "spin vs yield: one-way latency p50",
            "spin vs yield: one-way latency p99",
            "spin vs yield: CPU time of the waiting consumer",
            "spin vs yield: CPU left to a busy thread on the consumer's core",
        ] {
            println!("{name}: experiment");
        }
        return;
    }
    // Read the core list before any thread is pinned (see `course_testkit::pin`).
    let _ = pin::cores();
    throughput_experiment(1024);
    throughput_experiment(65536);
    working_consumer_experiment(1024);
    working_consumer_experiment(65536);
    round_trips();
    spin_vs_yield();
}
