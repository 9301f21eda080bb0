//! `cargo xtask list`: every exercise by tier, with the result of its last check, and an
//! overall progress bar.

use std::process::ExitCode;

use anyhow::Result;

use crate::state::{self, State, Status};
use crate::ui;
use crate::workspace::Workspace;

pub fn run(ws: &Workspace) -> Result<ExitCode> {
    let cat = &ws.catalogue;
    let state = State::load(ws);
    println!("{}\n", ui::bold(&cat.course.title));
    let width = cat
        .exercises
        .iter()
        .map(|e| e.id().len())
        .max()
        .unwrap_or(0);
    let title_width = cat
        .exercises
        .iter()
        .map(|e| e.title.chars().count())
        .max()
        .unwrap_or(0);
    for tier in &cat.tiers {
        let exercises: Vec<_> = cat
            .exercises
            .iter()
            .filter(|e| e.tier.get_ref() == tier.id.get_ref())
            .collect();
        if exercises.is_empty() {
            continue;
        }
        let done = exercises
            .iter()
            .filter(|e| state.get(e.id()).and_then(|s| s.status) == Some(Status::Passed))
            .count();
        println!(
            "{}  {}  {}",
            ui::bold(&tier.title),
            ui::dim(format!("{done}/{} done", exercises.len())),
            ui::dim(&tier.about)
        );
        for ex in exercises {
            let st = state.get(ex.id());
            let (mark, note) = match st.and_then(|s| s.status) {
                Some(Status::Passed) => (ui::pass_mark(), String::new()),
                Some(Status::Failed) => (
                    ui::fail_mark(),
                    format!(
                        "failing at {}",
                        st.and_then(|s| s.failed_stage.clone())
                            .unwrap_or_else(|| "?".into())
                    ),
                ),
                None => (ui::todo_mark(), "not checked yet".into()),
            };
            let when = st
                .and_then(|s| s.checked_at)
                .map(|t| format!("checked {}", state::ago(t)));
            let detail: Vec<String> = [Some(note), when]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect();
            println!(
                "  {mark} {:<width$}  {:<title_width$}  {}",
                ex.id(),
                ex.title,
                ui::dim(detail.join(", "))
            );
        }
        println!();
    }
    let total = cat.exercises.len();
    let done = cat
        .exercises
        .iter()
        .filter(|e| state.get(e.id()).and_then(|s| s.status) == Some(Status::Passed))
        .count();
    println!(
        "Progress [{}] {done}/{total} exercises pass",
        ui::meter(done, total, 30)
    );
    let next = cat
        .exercises
        .iter()
        .find(|e| state.get(e.id()).and_then(|s| s.status) != Some(Status::Passed));
    if let Some(next) = next {
        println!(
            "Next: {}: {}\n  concepts: {}\n  read {}, then run {}",
            ui::bold(next.id()),
            next.title,
            next.concepts.join(", "),
            next.chapter.get_ref(),
            ui::cmd(format!("cargo xtask check {}", next.id()))
        );
    }
    Ok(ExitCode::SUCCESS)
}
