//! `cargo xtask reset <id>`: restores the exercise's stub from the pristine copy kept
//! with its grader (`graders/<id>/stub/`), after copying the learner's files to a
//! timestamped backup in `.course/backups/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::ui;
use crate::workspace::Workspace;

pub fn run(ws: &Workspace, id: &str) -> Result<ExitCode> {
    let ex = ws.catalogue.find(id)?;
    let pristine = ex.pristine_dir(&ws.root);
    if !pristine.is_dir() {
        bail!(
            "there is no pristine copy of the stub at {}; restore it with git (`git checkout -- {}`)",
            ws.rel(&pristine).display(),
            ws.rel(&ex.exercise_dir(&ws.root)).display()
        );
    }
    let exercise_dir = ex.exercise_dir(&ws.root);
    let backups = ws.state_dir().join("backups").join(ex.id());
    let mut backup = backups.join(timestamp());
    for n in 2.. {
        if !backup.exists() {
            break;
        }
        backup = backups.join(format!("{}-{n}", timestamp()));
    }

    // Back up every file of the exercise folder (not just the listed ones: the learner may
    // have added modules or tests), skipping build output.
    let mut saved = 0;
    for file in files_under(&exercise_dir)? {
        let rel = file.strip_prefix(&exercise_dir).expect("under the folder");
        let dest = backup.join(rel);
        std::fs::create_dir_all(dest.parent().expect("has a parent"))?;
        std::fs::copy(&file, &dest)
            .with_context(|| format!("cannot back up {} to {}", file.display(), dest.display()))?;
        saved += 1;
    }

    // Restore the stub's files.
    let mut restored = Vec::new();
    for file in files_under(&pristine)? {
        let rel = file.strip_prefix(&pristine).expect("under the folder");
        let dest = exercise_dir.join(rel);
        std::fs::create_dir_all(dest.parent().expect("has a parent"))?;
        std::fs::copy(&file, &dest)
            .with_context(|| format!("cannot restore {}", dest.display()))?;
        restored.push(rel.display().to_string());
    }
    // Files the learner added under src/ would still be compiled as modules only if
    // declared, and the restored lib.rs declares none, so they are left in place (and
    // backed up).
    println!(
        "{} {saved} file(s) backed up to {}",
        ui::pass_mark(),
        ui::bold(ws.rel(&backup).display())
    );
    println!(
        "{} restored the stub of {}: {}",
        ui::pass_mark(),
        ui::bold(ex.id()),
        restored.join(", ")
    );
    println!(
        "{}",
        ui::dim(format!(
            "To get your work back: cp -r {}/. {}/",
            ws.rel(&backup).display(),
            ws.rel(&exercise_dir).display()
        ))
    );
    let mut state = crate::state::State::load(ws);
    let entry = state.exercise(ex.id());
    entry.status = None;
    entry.failed_stage = None;
    entry.checked_at = None;
    state.save(ws)?;
    Ok(ExitCode::SUCCESS)
}

/// Every regular file under `dir`, skipping `target/` folders.
pub fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in
            std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))?
        {
            let entry = entry?;
            let path = entry.path();
            let ty = entry.file_type()?;
            if ty.is_dir() {
                if entry.file_name() != "target" {
                    stack.push(path);
                }
            } else if ty.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `20261201-153012` (UTC) for a folder name.
fn timestamp() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .replace(['-', ':'], "")
        .replace('T', "-")
        .trim_end_matches('Z')
        .to_string()
}
