//! Replays an ITCH 5.0 file (or a generated session) into the reference solution's books.
//!
//! `cargo run --release -p order-book-solution --bin replay-solution -- --help`

fn main() -> std::process::ExitCode {
    course_itch::cli::main(order_book_solution::Replay::default)
}
