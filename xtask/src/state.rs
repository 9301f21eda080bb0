//! The learner's state in `.course/state.json`: the result of each exercise's last check
//! and how many hints were shown. Losing it loses nothing but this bookkeeping.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::ui;
use crate::workspace::Workspace;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExerciseState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_stage: Option<String>,
    /// Seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<u64>,
    #[serde(default)]
    pub hints_shown: usize,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub exercises: BTreeMap<String, ExerciseState>,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// "3 min ago", "2 h ago", "5 days ago".
pub fn ago(then: u64) -> String {
    let s = now().saturating_sub(then);
    match s {
        0..60 => "just now".into(),
        60..3600 => format!("{} min ago", s / 60),
        3600..86400 => format!("{} h ago", s / 3600),
        _ => format!("{} days ago", s / 86400),
    }
}

impl State {
    fn path(ws: &Workspace) -> std::path::PathBuf {
        ws.state_dir().join("state.json")
    }

    /// Loads the state; a missing file is an empty state, an unreadable one is set aside
    /// with a warning.
    pub fn load(ws: &Workspace) -> State {
        let path = Self::path(ws);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return State::default();
        };
        match serde_json::from_str(&text) {
            Ok(state) => state,
            Err(e) => {
                let aside = path.with_extension("json.unreadable");
                let _ = std::fs::rename(&path, &aside);
                ui::warn(format!(
                    "{} was unreadable ({e}); it was moved to {} and progress starts afresh",
                    ws.rel(&path).display(),
                    ws.rel(&aside).display()
                ));
                State::default()
            }
        }
    }

    pub fn save(&self, ws: &Workspace) -> Result<()> {
        let path = Self::path(ws);
        std::fs::create_dir_all(ws.state_dir())?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(self)?)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }

    pub fn exercise(&mut self, id: &str) -> &mut ExerciseState {
        self.exercises.entry(id.to_string()).or_default()
    }

    pub fn get(&self, id: &str) -> Option<&ExerciseState> {
        self.exercises.get(id)
    }

    pub fn hints_shown(&self, id: &str) -> usize {
        self.get(id).map_or(0, |e| e.hints_shown)
    }
}
