//! Terminal output: symbols, colours (off when not a terminal, or with `NO_COLOR`),
//! durations and spinners.

use std::time::Duration;

use console::{Style, style};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub fn pass_mark() -> String {
    style("✓").green().bold().to_string()
}

pub fn fail_mark() -> String {
    style("✗").red().bold().to_string()
}

pub fn skip_mark() -> String {
    style("–").dim().to_string()
}

pub fn todo_mark() -> String {
    style("·").dim().to_string()
}

pub fn bold(s: impl std::fmt::Display) -> String {
    style(s).bold().to_string()
}

pub fn dim(s: impl std::fmt::Display) -> String {
    style(s).dim().to_string()
}

pub fn cmd(s: impl std::fmt::Display) -> String {
    style(format!("`{s}`")).cyan().to_string()
}

pub fn red(s: impl std::fmt::Display) -> String {
    style(s).red().to_string()
}

pub fn green(s: impl std::fmt::Display) -> String {
    style(s).green().to_string()
}

pub fn yellow(s: impl std::fmt::Display) -> String {
    style(s).yellow().to_string()
}

/// `0.4s`, `12.3s`, `2m05s`.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    }
}

/// Prints an error (and its causes) without a backtrace.
pub fn error(e: &anyhow::Error) {
    let red = Style::new().red().bold();
    eprintln!("{} {e}", red.apply_to("error:"));
    for cause in e.chain().skip(1) {
        eprintln!("  {} {cause}", dim("caused by:"));
    }
}

/// Prints a warning.
pub fn warn(msg: impl std::fmt::Display) {
    eprintln!("{} {msg}", style("warning:").yellow().bold());
}

/// A spinner with a prefix, drawn on stderr only when it is a terminal.
pub fn spinner(prefix: &str) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template("  {spinner:.cyan} {prefix:<12} {elapsed:>4} {wide_msg:.dim}")
            .expect("valid template")
            .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
    );
    pb.set_prefix(prefix.to_string());
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// A progress bar over `len` steps, drawn on stderr only when it is a terminal.
pub fn bar(prefix: &str, len: u64) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template(
            "  {spinner:.cyan} {prefix:<12} {pos:>3}/{len:<3} [{bar:20.cyan/blue}] {elapsed:>4} {wide_msg:.dim}",
        )
        .expect("valid template")
        .progress_chars("█▉▊▋▌▍▎▏ ")
        .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
    );
    pb.set_prefix(prefix.to_string());
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// A static progress bar as text, e.g. `[██████░░░░] 3/10`.
pub fn meter(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width).checked_div(total).unwrap_or(0);
    format!(
        "{}{}",
        style("█".repeat(filled)).green(),
        style("░".repeat(width - filled)).dim()
    )
}

/// Indents every line of `text` by `n` spaces.
pub fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Wraps prose to `width` columns (hints are written as one long line in the catalogue).
pub fn wrap(text: &str, width: usize) -> String {
    textwrap::fill(text, width)
}
