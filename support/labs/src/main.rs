//! The book's labs: one small experiment per measurable claim of Part I.
//!
//! Run them with the course runner:
//!
//! ```text
//! cargo xtask lab                      # lists the labs
//! cargo xtask lab store-buffering      # runs one: prints a table, writes a chart
//! cargo xtask lab false-sharing --quick
//! ```
//!
//! Each lab prints a Markdown table of medians over interleaved rounds in several processes
//! ([`course_testkit::rounds::Experiment`]), and, where a picture helps, writes an SVG chart
//! (to `target/labs/` by default; `--svg-dir` chooses another folder, and maintainers
//! refresh the book's charts with `cargo xtask lab <name> --publish`). Labs measure; they
//! never assert on timings.

mod chart;
mod ctx;
mod machine;
mod util;

mod address_reuse;
mod affinity;
mod aliasing_4k;
mod batching;
mod cas_loop;
mod epoch_pin;
mod false_sharing;
mod huge_pages;
mod locks;
mod message_passing;
mod noise;
mod ordering_cost;
mod ping_pong;
mod prefetch;
mod progress;
mod read_side;
mod stalled_reader;
mod store_buffering;
mod wait_strategies;

use std::path::PathBuf;
use std::process::ExitCode;

use ctx::Ctx;

/// One lab: its name on the command line, the claim it measures, the chapter that quotes
/// it, and the function that runs it.
struct Lab {
    name: &'static str,
    claim: &'static str,
    chapter: &'static str,
    run: fn(&Ctx),
}

/// Every lab, in the order of the book.
const LABS: &[Lab] = &[
    Lab {
        name: "ping-pong",
        claim: "moving one cache line between two cores costs a round trip; two lines cost two",
        chapter: "How cores share memory",
        run: ping_pong::run,
    },
    Lab {
        name: "store-buffering",
        claim: "with Release/Acquire both loads of the store-buffering test can read 0; with SeqCst never",
        chapter: "Rust's memory model",
        run: store_buffering::run,
    },
    Lab {
        name: "message-passing",
        claim: "Release/Acquire message passing never shows stale data; x86 hides a Relaxed bug",
        chapter: "Rust's memory model",
        run: message_passing::run,
    },
    Lab {
        name: "ordering-cost",
        claim: "on x86-64 a SeqCst store (xchg) costs several times a Release store (mov); loads and RMWs cost the same at every ordering",
        chapter: "Rust's memory model; Fences",
        run: ordering_cost::run,
    },
    Lab {
        name: "cas-loop",
        claim: "under contention a CAS loop costs more than fetch_add and retries; backoff changes the picture",
        chapter: "Compare-and-swap and ABA",
        run: cas_loop::run,
    },
    Lab {
        name: "address-reuse",
        claim: "the allocator hands a just-freed address straight back: why ABA happens in practice",
        chapter: "Compare-and-swap and ABA",
        run: address_reuse::run,
    },
    Lab {
        name: "false-sharing",
        claim: "two counters closer than a cache line slow each other down; 64 and 128 bytes apart they do not",
        chapter: "Cache-line engineering",
        run: false_sharing::run,
    },
    Lab {
        name: "batching",
        claim: "batching updates to a shared line divides its cost by the batch size, until the line stops being the bottleneck",
        chapter: "Cache-line engineering",
        run: batching::run,
    },
    Lab {
        name: "prefetch",
        claim: "does an explicit _mm_prefetch (stable) speed up a random gather? measure before you keep it",
        chapter: "Cache-line engineering",
        run: prefetch::run,
    },
    Lab {
        name: "aliasing-4k",
        claim: "a store and later loads 4096 + a few bytes apart slow a copy down (4K aliasing)",
        chapter: "Cache-line engineering",
        run: aliasing_4k::run,
    },
    Lab {
        name: "epoch-pin",
        claim: "an outermost crossbeam-epoch pin costs about one SeqCst fence; a nested pin a few ns",
        chapter: "Memory reclamation",
        run: epoch_pin::run,
    },
    Lab {
        name: "read-side",
        claim: "what a reader pays to read a shared object safely: nothing (QSBR), a fence (epochs, hazard pointers), or a shared count that ping-pongs (Arc, RwLock)",
        chapter: "Memory reclamation",
        run: read_side::run,
    },
    Lab {
        name: "stalled-reader",
        claim: "with epochs, one stalled pinned thread stops all reclamation: garbage grows without bound",
        chapter: "Memory reclamation",
        run: stalled_reader::run,
    },
    Lab {
        name: "progress",
        claim: "while one thread stalls, lock-free and wait-free structures let the others finish operations; a lock or a seqlock does not",
        chapter: "Progress guarantees",
        run: progress::run,
    },
    Lab {
        name: "locks",
        claim: "an uncontended std Mutex is two atomic RMWs, no syscall; under contention and oversubscription the picture changes",
        chapter: "Atomics versus locks",
        run: locks::run,
    },
    Lab {
        name: "wait-strategies",
        claim: "a spinning waiter notices in one line transfer; park costs microseconds; sleep(1ns) costs the timer slack (tens of µs)",
        chapter: "Atomics versus locks; Testing and measuring",
        run: wait_strategies::run,
    },
    Lab {
        name: "affinity",
        claim: "what the machine offers (NUMA nodes, isolated CPUs), whether pinning takes, and what it changes for a handoff",
        chapter: "NUMA, affinity and isolation",
        run: affinity::run,
    },
    Lab {
        name: "huge-pages",
        claim: "which huge page sizes the machine offers, and how much 2 MiB pages speed up random access to a large buffer",
        chapter: "NUMA, affinity and isolation",
        run: huge_pages::run,
    },
    Lab {
        name: "noise",
        claim: "two identical cases differ by a few percent from noise alone: the floor under every comparison",
        chapter: "Testing and measuring",
        run: noise::run,
    },
];

const USAGE: &str = "usage: course-labs list | all | <lab> [--quick] [--realtime] [--svg-dir DIR]";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut which: Option<String> = None;
    let mut quick = false;
    let mut realtime = false;
    let mut svg_dir: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--realtime" => realtime = true,
            "--svg-dir" => match args.next() {
                Some(d) => svg_dir = Some(PathBuf::from(d)),
                None => {
                    eprintln!("--svg-dir needs a folder\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                list();
                return ExitCode::SUCCESS;
            }
            _ if a.starts_with('-') => {
                eprintln!("unknown option {a}\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => which = Some(a),
        }
    }
    let Some(which) = which else {
        list();
        return ExitCode::SUCCESS;
    };
    let selected: Vec<&Lab> = match which.as_str() {
        "list" => {
            list();
            return ExitCode::SUCCESS;
        }
        "all" => LABS.iter().collect(),
        name => match LABS.iter().find(|l| l.name == name) {
            Some(lab) => vec![lab],
            None => {
                eprintln!("no lab named `{name}`");
                list();
                return ExitCode::from(2);
            }
        },
    };
    let svg_dir = svg_dir.unwrap_or_else(|| PathBuf::from("target/labs"));
    // Every process (the parent and the ones each experiment starts) sets its own class.
    let realtime = realtime
        && match util::set_realtime(true) {
            Ok(()) => true,
            Err(why) => {
                if !course_testkit::rounds::is_child() {
                    eprintln!("--realtime: cannot use SCHED_FIFO ({why}); running normally");
                }
                false
            }
        };
    for lab in selected {
        let ctx = Ctx::new(lab.name, quick, realtime, svg_dir.clone());
        if !course_testkit::rounds::is_child() {
            println!("\n## lab `{}`: {}\n", lab.name, lab.claim);
            println!("{}", ctx.header());
        }
        (lab.run)(&ctx);
    }
    ExitCode::SUCCESS
}

fn list() {
    println!(
        "Labs (run one with `cargo xtask lab <name>`, add `--quick` for a fast, rough run):\n"
    );
    let width = LABS.iter().map(|l| l.name.len()).max().unwrap_or(0);
    for lab in LABS {
        println!("  {:width$}  {}", lab.name, lab.claim);
        println!("  {:width$}  (book: {})", "", lab.chapter);
    }
}
