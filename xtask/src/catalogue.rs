//! The catalogue, `course.toml`: the one source of truth for exercise ids, titles, tiers,
//! chapters, hints, points, loom models and benchmark peers.
//!
//! Loading is strict: unknown fields, missing fields, an unknown tier, a malformed id or
//! a duplicate are refused with the file, line and field at fault, because a silently
//! ignored typo in a catalogue (`poinst = ...`) would change grades.
//!
//! # Schema (format 1)
//!
//! ```toml
//! format = 1
//!
//! [course]
//! title = "..."
//! book = "book"                       # the mdBook folder
//!
//! [defaults]                          # optional
//! timeouts = { build = 900, visible = 30, properties = 120, loom = 300, stress = 120 }
//! loom-preemptions = 2
//!
//! [[tier]]                            # in course order
//! id = "easy"
//! title = "Easy"
//! about = "..."                       # optional
//!
//! [[exercise]]                        # in course order
//! id = "01-atomic-counter"            # NN-slug
//! title = "..."
//! tier = "easy"
//! concepts = ["..."]
//! chapter = "book/src/exercises/01-atomic-counter.md"
//! loom = true                         # has graders/<id>/tests/loom.rs
//! peers = ["..."]                     # what the bench compares against
//! files = ["src/lib.rs"]              # the learner's files, relative to exercises/<id>
//! points = { visible = 1, properties = 3, loom = 3, stress = 3 }
//! hints = ["gentle", "...", "explicit"]
//! timeouts = { stress = 300 }         # optional, overrides [defaults]
//! loom-preemptions = 3                # optional, overrides [defaults]
//! ```

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;
use toml::Spanned;

/// The catalogue format this runner understands.
pub const FORMAT: u32 = 1;

/// The parsed, validated catalogue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Catalogue {
    pub format: Spanned<u32>,
    pub course: Course,
    #[serde(default)]
    pub defaults: Defaults,
    #[serde(rename = "tier")]
    pub tiers: Vec<Tier>,
    #[serde(rename = "exercise", default)]
    pub exercises: Vec<Exercise>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Course {
    pub title: String,
    #[serde(default = "default_book")]
    pub book: String,
}

fn default_book() -> String {
    "book".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Defaults {
    #[serde(default)]
    pub timeouts: Timeouts,
    #[serde(default = "default_preemptions")]
    pub loom_preemptions: u32,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            timeouts: Timeouts::default(),
            loom_preemptions: default_preemptions(),
        }
    }
}

fn default_preemptions() -> u32 {
    2
}

/// Timeouts in seconds: `build` per compilation, the others per test.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Timeouts {
    pub build: u64,
    pub visible: u64,
    pub properties: u64,
    pub loom: u64,
    pub stress: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            build: 900,
            visible: 30,
            properties: 120,
            loom: 300,
            stress: 120,
        }
    }
}

/// Per-exercise overrides of [`Timeouts`].
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TimeoutOverrides {
    pub build: Option<u64>,
    pub visible: Option<u64>,
    pub properties: Option<u64>,
    pub loom: Option<u64>,
    pub stress: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Tier {
    pub id: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub about: String,
}

/// Points for each graded stage. The build earns nothing by itself: an untouched stub
/// compiles, and it must score 0.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Points {
    pub visible: u32,
    pub properties: u32,
    #[serde(default)]
    pub loom: u32,
    pub stress: u32,
}

impl Points {
    pub fn total(&self) -> u32 {
        self.visible + self.properties + self.loom + self.stress
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Exercise {
    pub id: Spanned<String>,
    pub title: String,
    pub tier: Spanned<String>,
    #[serde(default)]
    pub concepts: Vec<String>,
    pub chapter: Spanned<String>,
    pub loom: bool,
    #[serde(default)]
    pub peers: Vec<String>,
    #[serde(default = "default_files")]
    pub files: Vec<String>,
    pub points: Spanned<Points>,
    pub hints: Spanned<Vec<String>>,
    #[serde(default)]
    pub timeouts: TimeoutOverrides,
    pub loom_preemptions: Option<u32>,
}

fn default_files() -> Vec<String> {
    vec!["src/lib.rs".into()]
}

impl Exercise {
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }

    /// The id without its number: `01-atomic-counter` -> `atomic-counter`.
    pub fn slug(&self) -> &str {
        self.id()
            .split_once('-')
            .map_or(self.id(), |(_, slug)| slug)
    }

    /// The learner's package (the stub).
    pub fn package(&self) -> String {
        self.slug().to_string()
    }

    /// The learner's library name.
    pub fn lib_name(&self) -> String {
        self.slug().replace('-', "_")
    }

    pub fn solution_package(&self) -> String {
        format!("{}-solution", self.slug())
    }

    pub fn grader_package(&self) -> String {
        format!("{}-grader", self.slug())
    }

    pub fn exercise_dir(&self, root: &Path) -> PathBuf {
        root.join("exercises").join(self.id())
    }

    pub fn solution_dir(&self, root: &Path) -> PathBuf {
        root.join("solutions").join(self.id())
    }

    pub fn grader_dir(&self, root: &Path) -> PathBuf {
        root.join("graders").join(self.id())
    }

    /// The pristine copy of the stub, kept with the grader: what `reset` restores and
    /// what the visible stage tests.
    pub fn pristine_dir(&self, root: &Path) -> PathBuf {
        self.grader_dir(root).join("stub")
    }

    pub fn points(&self) -> Points {
        *self.points.get_ref()
    }

    pub fn hints(&self) -> &[String] {
        self.hints.get_ref()
    }

    pub fn timeouts(&self, defaults: &Defaults) -> Timeouts {
        let d = defaults.timeouts;
        let o = self.timeouts;
        Timeouts {
            build: o.build.unwrap_or(d.build),
            visible: o.visible.unwrap_or(d.visible),
            properties: o.properties.unwrap_or(d.properties),
            loom: o.loom.unwrap_or(d.loom),
            stress: o.stress.unwrap_or(d.stress),
        }
    }

    pub fn loom_preemptions(&self, defaults: &Defaults) -> u32 {
        self.loom_preemptions.unwrap_or(defaults.loom_preemptions)
    }
}

/// A catalogue error located in the file.
#[derive(Debug)]
pub struct CatalogueError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub source_line: String,
}

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        if !self.source_line.is_empty() {
            writeln!(f, "{:>5} | {}", self.line, self.source_line)?;
            write!(f, "      | {}^", " ".repeat(self.column.saturating_sub(1)))?;
        }
        Ok(())
    }
}

impl std::error::Error for CatalogueError {}

fn locate(file: &Path, text: &str, span: Option<Range<usize>>, message: String) -> CatalogueError {
    let offset = span.map_or(0, |s| s.start).min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    let source_line = text[line_start..]
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    CatalogueError {
        file: file.to_path_buf(),
        line,
        column,
        message,
        source_line,
    }
}

impl Catalogue {
    /// Reads and validates `<root>/course.toml`.
    pub fn load(root: &Path) -> Result<Catalogue> {
        let file = root.join("course.toml");
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read the catalogue {}", file.display()))?;
        Ok(Self::parse(&file, &text)?)
    }

    /// Parses and validates catalogue text; `file` is only used in messages.
    pub fn parse(file: &Path, text: &str) -> Result<Catalogue, CatalogueError> {
        let cat: Catalogue = toml::from_str(text).map_err(|e| {
            locate(
                file,
                text,
                e.span(),
                format!("malformed catalogue: {}", e.message().trim_end()),
            )
        })?;
        cat.validate(file, text)?;
        Ok(cat)
    }

    fn validate(&self, file: &Path, text: &str) -> Result<(), CatalogueError> {
        let err = |span: Range<usize>, msg: String| Err(locate(file, text, Some(span), msg));
        if *self.format.get_ref() != FORMAT {
            return err(
                self.format.span(),
                format!(
                    "field `format`: this catalogue has format {}, but this runner reads format {FORMAT}; \
                     update the course (git pull) or fix the number",
                    self.format.get_ref()
                ),
            );
        }
        let mut tier_ids = Vec::new();
        for tier in &self.tiers {
            if tier_ids.contains(&tier.id.get_ref()) {
                return err(
                    tier.id.span(),
                    format!(
                        "field `tier.id`: tier `{}` is defined twice",
                        tier.id.get_ref()
                    ),
                );
            }
            tier_ids.push(tier.id.get_ref());
        }
        let mut ids: Vec<&str> = Vec::new();
        for ex in &self.exercises {
            let id = ex.id();
            if !is_valid_id(id) {
                return err(
                    ex.id.span(),
                    format!(
                        "field `id`: `{id}` is not of the form NN-slug (two digits, a dash, then lowercase \
                         words joined by dashes, e.g. `01-atomic-counter`)"
                    ),
                );
            }
            if ids.contains(&id) {
                return err(
                    ex.id.span(),
                    format!("field `id`: exercise `{id}` is defined twice"),
                );
            }
            if let Some(other) = ids.iter().find(|other| other[..2] == id[..2]) {
                return err(
                    ex.id.span(),
                    format!("field `id`: `{id}` has the same number as `{other}`"),
                );
            }
            ids.push(id);
            if !tier_ids.contains(&ex.tier.get_ref()) {
                return err(
                    ex.tier.span(),
                    format!(
                        "field `tier` of exercise `{id}`: unknown tier `{}`; the tiers are: {}",
                        ex.tier.get_ref(),
                        tier_ids
                            .iter()
                            .map(|t| t.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            let expected_chapter = format!("{}/src/exercises/{id}.md", self.course.book);
            if ex.chapter.get_ref() != &expected_chapter {
                return err(
                    ex.chapter.span(),
                    format!("field `chapter` of exercise `{id}`: expected `{expected_chapter}`"),
                );
            }
            if ex.hints().len() < 2 || ex.hints().iter().any(|h| h.trim().is_empty()) {
                return err(
                    ex.hints.span(),
                    format!(
                        "field `hints` of exercise `{id}`: give at least two non-empty hints, from gentle to explicit"
                    ),
                );
            }
            if ex.points().total() == 0 {
                return err(
                    ex.points.span(),
                    format!("field `points` of exercise `{id}`: all points are 0"),
                );
            }
            if !ex.loom && ex.points().loom != 0 {
                return err(
                    ex.points.span(),
                    format!(
                        "field `points` of exercise `{id}`: `loom` points are given but `loom = false`"
                    ),
                );
            }
            if ex.files.is_empty() {
                return Err(locate(
                    file,
                    text,
                    Some(ex.id.span()),
                    format!(
                        "field `files` of exercise `{id}`: list at least the learner's `src/lib.rs`"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The tier with this id.
    pub fn tier(&self, id: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.id.get_ref() == id)
    }

    /// Finds an exercise by id, number (`01`, `1`) or slug (`atomic-counter`); otherwise an
    /// error that suggests the nearest ids.
    pub fn find(&self, query: &str) -> Result<&Exercise> {
        let q = query.trim().trim_end_matches('/');
        // Accept a path such as `exercises/01-atomic-counter`.
        let q = q.rsplit('/').next().unwrap_or(q);
        if let Some(ex) = self.exercises.iter().find(|e| e.id() == q || e.slug() == q) {
            return Ok(ex);
        }
        if let Ok(n) = q.parse::<u32>()
            && let Some(ex) = self
                .exercises
                .iter()
                .find(|e| e.id()[..2].parse::<u32>() == Ok(n))
        {
            return Ok(ex);
        }
        let mut scored: Vec<(f64, &str)> = self
            .exercises
            .iter()
            .map(|e| {
                let score = strsim::jaro_winkler(q, e.id()).max(strsim::jaro_winkler(q, e.slug()));
                (score, e.id())
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let near: Vec<&str> = scored
            .iter()
            .filter(|(s, _)| *s >= 0.75)
            .take(3)
            .map(|(_, id)| *id)
            .collect();
        if near.is_empty() {
            let all: Vec<&str> = self.exercises.iter().map(|e| e.id()).collect();
            anyhow::bail!(
                "there is no exercise `{query}`. The exercises are: {}\n(`cargo xtask list` shows them with your progress.)",
                all.join(", ")
            )
        } else {
            anyhow::bail!(
                "there is no exercise `{query}`. Did you mean {}?",
                near.iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        }
    }
}

/// `NN-slug`: two digits, a dash, lowercase alphanumeric words joined by single dashes.
pub fn is_valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    if b.len() < 4 || !b[0].is_ascii_digit() || !b[1].is_ascii_digit() || b[2] != b'-' {
        return false;
    }
    let slug = &id[3..];
    !slug.is_empty()
        && slug.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
format = 1
[course]
title = "T"
[[tier]]
id = "easy"
title = "Easy"
[[exercise]]
id = "01-atomic-counter"
title = "Counter"
tier = "easy"
chapter = "book/src/exercises/01-atomic-counter.md"
loom = true
points = { visible = 1, properties = 1, loom = 1, stress = 1 }
hints = ["a", "b"]
"#;

    fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        Catalogue::parse(Path::new("course.toml"), text)
    }

    #[test]
    fn parses_and_derives_names() {
        let c = parse(GOOD).unwrap();
        let e = &c.exercises[0];
        assert_eq!(e.slug(), "atomic-counter");
        assert_eq!(e.lib_name(), "atomic_counter");
        assert_eq!(e.grader_package(), "atomic-counter-grader");
        assert_eq!(e.files, vec!["src/lib.rs"]);
        assert_eq!(e.timeouts(&c.defaults).loom, 300);
    }

    #[test]
    fn an_unknown_tier_is_reported_with_its_line() {
        let e = parse(&GOOD.replace("tier = \"easy\"", "tier = \"eazy\"")).unwrap_err();
        assert_eq!(e.line, 11, "{e}");
        assert!(e.message.contains("unknown tier `eazy`"), "{e}");
    }

    #[test]
    fn a_misspelt_field_is_reported() {
        let e = parse(&GOOD.replace("points =", "poinst =")).unwrap_err();
        assert!(e.message.contains("poinst"), "{e}");
        assert_eq!(e.line, 14, "{e}");
    }

    #[test]
    fn finds_by_number_slug_and_suggests() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.find("1").unwrap().id(), "01-atomic-counter");
        assert_eq!(c.find("atomic-counter").unwrap().id(), "01-atomic-counter");
        let err = c.find("01-atomic-countr").unwrap_err().to_string();
        assert!(err.contains("Did you mean `01-atomic-counter`"), "{err}");
    }

    #[test]
    fn ids() {
        assert!(is_valid_id("03-spsc-ring"));
        assert!(!is_valid_id("3-spsc"));
        assert!(!is_valid_id("03-Spsc"));
        assert!(!is_valid_id("03-spsc--ring"));
    }
}
