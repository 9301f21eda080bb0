//! Replays an ITCH 5.0 file (or a generated session) into your books and reports message
//! counts, refused messages, throughput, latency percentiles and the final top of book.
//!
//! `cargo run --release -p order-book --bin replay -- --help`

fn main() -> std::process::ExitCode {
    course_itch::cli::main(order_book::Replay::default)
}
