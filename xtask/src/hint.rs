//! `cargo xtask hint <id> [--all]`: the next hint each call, gentle first; or all of them.

use std::process::ExitCode;

use anyhow::Result;

use crate::state::State;
use crate::ui;
use crate::workspace::Workspace;

pub fn run(ws: &Workspace, id: &str, all: bool) -> Result<ExitCode> {
    let ex = ws.catalogue.find(id)?;
    let hints = ex.hints();
    let mut state = State::load(ws);
    let shown = state.hints_shown(ex.id());
    if all {
        for (i, h) in hints.iter().enumerate() {
            println!(
                "{}\n{}\n",
                ui::bold(format!("Hint {} of {}:", i + 1, hints.len())),
                ui::indent(&ui::wrap(h, 86), 2)
            );
        }
        state.exercise(ex.id()).hints_shown = hints.len();
        state.save(ws)?;
        return Ok(ExitCode::SUCCESS);
    }
    let i = shown.min(hints.len() - 1);
    println!(
        "{}\n{}\n",
        ui::bold(format!("{}: hint {} of {}", ex.id(), i + 1, hints.len())),
        ui::indent(&ui::wrap(&hints[i], 86), 2)
    );
    if i + 1 < hints.len() {
        println!(
            "{}",
            ui::dim(format!(
                "Run `cargo xtask hint {}` again for a more explicit one.",
                ex.id()
            ))
        );
    } else {
        println!(
            "{}",
            ui::dim(format!(
                "That was the last hint. The chapter ({}) walks through the design in its \"Hints\" section.",
                ex.chapter.get_ref()
            ))
        );
    }
    state.exercise(ex.id()).hints_shown = (i + 1).max(shown);
    state.save(ws)?;
    Ok(ExitCode::SUCCESS)
}
