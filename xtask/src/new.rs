//! `cargo xtask new <NN-slug>`: scaffolds all six parts of a new exercise from the
//! templates in `xtask/templates/` (a small, complete example: a one-shot mailbox whose
//! solution passes its grader and whose stub fails it), adds the catalogue entry and links
//! the chapter from the book's SUMMARY.md. `cargo xtask verify <id>` then proves the
//! scaffold before you start replacing it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::catalogue::is_valid_id;
use crate::ui;
use crate::workspace::Workspace;

/// (path under the new exercise's folders, template text)
const TEMPLATES: &[(&str, &str)] = &[
    (
        "exercises/__ID__/Cargo.toml",
        include_str!("../templates/exercise/Cargo.toml"),
    ),
    (
        "exercises/__ID__/src/lib.rs",
        include_str!("../templates/exercise/src/lib.rs"),
    ),
    (
        "exercises/__ID__/tests/visible.rs",
        include_str!("../templates/exercise/tests/visible.rs"),
    ),
    (
        "graders/__ID__/stub/Cargo.toml",
        include_str!("../templates/exercise/Cargo.toml"),
    ),
    (
        "graders/__ID__/stub/src/lib.rs",
        include_str!("../templates/exercise/src/lib.rs"),
    ),
    (
        "graders/__ID__/stub/tests/visible.rs",
        include_str!("../templates/exercise/tests/visible.rs"),
    ),
    (
        "solutions/__ID__/Cargo.toml",
        include_str!("../templates/solution/Cargo.toml"),
    ),
    (
        "solutions/__ID__/src/lib.rs",
        include_str!("../templates/solution/src/lib.rs"),
    ),
    (
        "graders/__ID__/Cargo.toml",
        include_str!("../templates/grader/Cargo.toml"),
    ),
    (
        "graders/__ID__/src/lib.rs",
        include_str!("../templates/grader/src/lib.rs"),
    ),
    (
        "graders/__ID__/tests/visible.rs",
        include_str!("../templates/grader/tests/visible.rs"),
    ),
    (
        "graders/__ID__/tests/properties.rs",
        include_str!("../templates/grader/tests/properties.rs"),
    ),
    (
        "graders/__ID__/tests/loom.rs",
        include_str!("../templates/grader/tests/loom.rs"),
    ),
    (
        "graders/__ID__/tests/stress.rs",
        include_str!("../templates/grader/tests/stress.rs"),
    ),
    (
        "graders/__ID__/benches/__LIB__.rs",
        include_str!("../templates/grader/benches/bench.rs"),
    ),
    (
        "__BOOK__/src/exercises/__ID__.md",
        include_str!("../templates/chapter.md"),
    ),
];

pub fn run(ws: &Workspace, id: &str, tier: &str, title: Option<&str>) -> Result<ExitCode> {
    if !is_valid_id(id) {
        bail!(
            "`{id}` is not a valid id: use NN-slug, e.g. `24-ticket-lock` (two digits, lowercase words joined by dashes)"
        );
    }
    if let Some(other) = ws
        .catalogue
        .exercises
        .iter()
        .find(|e| e.id() == id || e.id()[..2] == id[..2])
    {
        bail!(
            "`{}` already uses the number {}; pick another",
            other.id(),
            &id[..2]
        );
    }
    let Some(tier_entry) = ws.catalogue.tier(tier) else {
        bail!(
            "unknown tier `{tier}`; the tiers are: {}",
            ws.catalogue
                .tiers
                .iter()
                .map(|t| t.id.get_ref().as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let slug = &id[3..];
    let lib = slug.replace('-', "_");
    let default_title = {
        let mut t = slug.replace('-', " ");
        if let Some(first) = t.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        t
    };
    let title = title.unwrap_or(&default_title).to_string();
    let book = ws.catalogue.course.book.clone();
    let fill = |text: &str| -> String {
        text.replace("__ID__", id)
            .replace("__SLUG__", slug)
            .replace("__LIB__", &lib)
            .replace("__TITLE__", &title)
            .replace("__NUM__", &id[..2])
            .replace("__BOOK__", &book)
    };

    // Refuse to overwrite anything.
    let planned: Vec<(PathBuf, String)> = TEMPLATES
        .iter()
        .map(|(path, text)| (ws.root.join(fill(path)), fill(text)))
        .collect();
    if let Some((p, _)) = planned.iter().find(|(p, _)| p.exists()) {
        bail!(
            "{} exists already; `new` never overwrites",
            ws.rel(p).display()
        );
    }
    let summary = ws.root.join(&book).join("src").join("SUMMARY.md");
    let summary_text = std::fs::read_to_string(&summary)
        .with_context(|| format!("cannot read {}", summary.display()))?;
    let new_summary = insert_in_summary(
        &summary_text,
        tier,
        &format!("[{} {title}](exercises/{id}.md)", &id[..2]),
    )
    .with_context(|| format!("in {}", ws.rel(&summary).display()))?;

    for (path, text) in &planned {
        std::fs::create_dir_all(path.parent().expect("has a parent"))?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        println!("{} {}", ui::pass_mark(), ws.rel(path).display());
    }
    std::fs::write(&summary, new_summary)?;
    println!(
        "{} {} (linked the chapter under {})",
        ui::pass_mark(),
        ws.rel(&summary).display(),
        tier_entry.title
    );

    let entry = format!(
        r#"
[[exercise]]
id = "{id}"
title = "{title}"
tier = "{tier}"
concepts = ["Release/Acquire message passing"]
chapter = "{book}/src/exercises/{id}.md"
loom = true
peers = ["std::sync::OnceLock"]
files = ["src/lib.rs"]
points = {{ visible = 1, properties = 3, loom = 3, stress = 3 }}
hints = [
  "The reader must not see READY before the value is written: which store and which load pair up?",
  "Claim with a compare_exchange EMPTY -> WRITING, write through `with_mut`, then store READY with Release; read with an Acquire load.",
]
"#
    );
    let catalogue = ws.root.join("course.toml");
    let mut text = std::fs::read_to_string(&catalogue)?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&entry);
    std::fs::write(&catalogue, text)?;
    println!(
        "{} course.toml (added the catalogue entry)",
        ui::pass_mark()
    );
    println!(
        "\nNext: {} proves the scaffold (its solution passes, its stub fails); then replace the mailbox with your exercise, part by part.",
        ui::cmd(format!("cargo xtask verify {id}"))
    );
    Ok(ExitCode::SUCCESS)
}

/// Adds `link` as the last chapter under the tier's page (`(exercises/<tier>.md)`).
fn insert_in_summary(summary: &str, tier: &str, link: &str) -> Result<String> {
    let lines: Vec<&str> = summary.lines().collect();
    let marker = format!("(exercises/{tier}.md)");
    let Some(at) = lines.iter().position(|l| l.contains(&marker)) else {
        bail!(
            "no tier page linked as `{marker}`; add `- [Tier title]{marker}` to the summary first"
        );
    };
    let indent = lines[at].len() - lines[at].trim_start().len();
    let child = format!("{}- ", " ".repeat(indent + 2));
    let mut end = at + 1;
    while end < lines.len()
        && (lines[end].starts_with(&child)
            || lines[end].starts_with(&format!("{}  ", " ".repeat(indent + 2))))
    {
        end += 1;
    }
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    out.insert(end, format!("{child}{link}"));
    Ok(out.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn inserts_under_the_tier() {
        let s = "# Part\n- [Easy](exercises/easy.md)\n  - [01 A](exercises/01-a.md)\n- [Hard](exercises/hard.md)\n";
        let out = super::insert_in_summary(s, "easy", "[02 B](exercises/02-b.md)").unwrap();
        assert_eq!(
            out,
            "# Part\n- [Easy](exercises/easy.md)\n  - [01 A](exercises/01-a.md)\n  - [02 B](exercises/02-b.md)\n- [Hard](exercises/hard.md)\n"
        );
    }
}
