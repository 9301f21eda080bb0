//! `cargo xtask watch <id>`: re-runs `check` whenever the exercise's files are saved.
//!
//! File events are debounced (editors write a file in several steps), events from build
//! output and editor swap files are ignored, and events that arrive while a check runs
//! are coalesced into one re-run. A hanging test is killed by the check's timeouts and a
//! compile error is just a failed build stage, so neither stops the watcher.

use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use notify::RecursiveMode;
use notify_debouncer_mini::new_debouncer;

use crate::check::{self, CheckOptions};
use crate::ui;
use crate::workspace::Workspace;

enum Event {
    Changed,
    Key(String),
    StdinClosed,
}

fn interesting(path: &Path) -> bool {
    let s = path.to_string_lossy();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    !(s.contains("/target/")
        || name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.starts_with("#"))
}

pub fn run(ws: &Workspace, id: &str, no_loom: bool) -> Result<ExitCode> {
    let ex = ws.catalogue.find(id)?;
    let dir = ex.exercise_dir(&ws.root);
    let (tx, rx) = mpsc::channel::<Event>();

    let file_tx = tx.clone();
    let mut debouncer = new_debouncer(
        Duration::from_millis(300),
        move |res: notify_debouncer_mini::DebounceEventResult| {
            if let Ok(events) = res
                && events.iter().any(|e| interesting(&e.path))
            {
                let _ = file_tx.send(Event::Changed);
            }
        },
    )
    .context("cannot start the file watcher")?;
    debouncer
        .watcher()
        .watch(&dir, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", dir.display()))?;

    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            match line {
                Ok(l) => {
                    if tx.send(Event::Key(l.trim().to_lowercase())).is_err() {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = tx.send(Event::StdinClosed);
    });

    let opts = CheckOptions {
        no_loom,
        ..CheckOptions::default()
    };
    let mut interactive = true;
    loop {
        let _ = console::Term::stdout().clear_screen();
        if let Err(e) = check::command(ws, ex.id(), &opts) {
            ui::error(&e);
        }
        println!();
        println!(
            "{} Watching {} for changes.",
            ui::bold("watch:"),
            ws.rel(&dir).display()
        );
        if interactive {
            println!(
                "{}",
                ui::dim("Enter: re-run now · h + Enter: next hint · q + Enter or Ctrl-C: quit")
            );
        } else {
            println!("{}", ui::dim("Ctrl-C to quit."));
        }
        // Wait for a change or a command; then drop whatever else queued up meanwhile.
        loop {
            match rx.recv() {
                Ok(Event::Changed) => break,
                Ok(Event::Key(k)) if k == "q" || k == "quit" => return Ok(ExitCode::SUCCESS),
                Ok(Event::Key(k)) if k == "h" || k == "hint" => {
                    crate::hint::run(ws, ex.id(), false)?;
                }
                Ok(Event::Key(_)) => break,
                Ok(Event::StdinClosed) => {
                    // Not attached to a terminal (or Ctrl-D): keep watching files only.
                    interactive = false;
                }
                Err(_) => return Ok(ExitCode::SUCCESS),
            }
        }
        // Let the debouncer deliver what the save that triggered this round still owes.
        std::thread::sleep(Duration::from_millis(400));
        while let Ok(ev) = rx.try_recv() {
            if let Event::Key(k) = ev
                && (k == "q" || k == "quit")
            {
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
}
