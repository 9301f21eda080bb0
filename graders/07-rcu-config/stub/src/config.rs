//! `ConfigStore<C>`: a TOML configuration file, parsed and validated into a `C`, served to
//! readers through an [`Rcu`] and reloaded when the file changes.
//!
//! # Invariant
//!
//! `current()` always returns a configuration that parsed and passed
//! [`Config::validate`]: the one read at `open`, or a later version of the file that did.
//! A version that fails to read, parse or validate never replaces it; the failure is kept
//! in `last_error()` until a later reload succeeds.
//!
//! # Watching
//!
//! The store watches the file's *directory*, not the file: editors and deployment tools
//! usually save by writing a temporary file and renaming it over the old one, which
//! replaces the inode a watch on the file would follow. Events for other names in the
//! directory are ignored. A save can arrive as several events, and an in-place write can
//! be seen half-done; each event re-reads the file, a half-written file fails to parse (and
//! is reported, keeping the old config), and the event for the completed write loads it.
//! Reloading text identical to what is being served changes nothing.
//!
//! You write the bodies marked `TODO`; the types, the error and `changes_content` are
//! given.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use serde::de::DeserializeOwned;

use crate::rcu::{Guard, Rcu};

/// A configuration type: deserializable from TOML, with a validation step.
pub trait Config: DeserializeOwned + Send + Sync + 'static {
    /// Checks what parsing cannot (ranges, relations between fields). An `Err` keeps the
    /// previous configuration in service and is reported by
    /// [`ConfigStore::last_error`]. The default accepts everything.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Why a configuration file was not loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The file could not be read.
    Read(String),
    /// The file is not valid TOML for the configuration type.
    Parse(String),
    /// The file parsed, but [`Config::validate`] rejected it.
    Invalid(String),
    /// The file system watcher failed.
    Watch(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(e) => write!(f, "cannot read the configuration: {e}"),
            Self::Parse(e) => write!(f, "the configuration is not valid TOML: {e}"),
            Self::Invalid(e) => write!(f, "the configuration is invalid: {e}"),
            Self::Watch(e) => write!(f, "cannot watch the configuration file: {e}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// What the store and its watcher thread share.
struct Shared<C> {
    path: PathBuf,
    current: Rcu<C>,
    /// The text `current` was parsed from, to skip reloads that change nothing; also
    /// serializes reloads (the watcher's and `reload()` callers').
    source: Mutex<String>,
    last_error: Mutex<Option<ConfigError>>,
}

impl<C: Config> Shared<C> {
    fn reload(&self) -> Result<u64, ConfigError> {
        // TODO: read the file; if the text is what `source` holds, nothing changed; otherwise
        // parse and validate it (`parse`) and, if that worked, store it in `current`. Record the
        // outcome in `last_error` either way. Hold `source` locked throughout, so that two
        // reloads cannot publish out of order.
        todo!("Shared::reload")
    }
}

fn parse<C: Config>(text: &str) -> Result<C, ConfigError> {
    // TODO: `toml::from_str`, then `validate`.
    let _ = text;
    todo!("parse")
}

/// A configuration loaded from a TOML file and reloaded whenever the file changes.
///
/// Readers call [`current`](Self::current), which is an [`Rcu::load`]: wait-free, and the
/// returned guard keeps its configuration alive and unchanged for as long as it is held.
pub struct ConfigStore<C> {
    shared: Arc<Shared<C>>,
    // Dropping the watcher stops the watching (and its thread).
    _watcher: RecommendedWatcher,
}

impl<C: Config> ConfigStore<C> {
    /// Loads and validates the file at `path`, then watches it for changes.
    ///
    /// # Errors
    ///
    /// If the file cannot be read, parsed or validated (there is no previous configuration
    /// to fall back on), or cannot be watched.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        // TODO: read, parse and validate the file (an error here is returned: there is no
        // previous configuration to fall back on), then start a `notify::recommended_watcher`
        // whose callback reloads on events for this file name that `changes_content`, and
        // watch the file's directory (see the module docs for why not the file).
        let _ = path;
        todo!("ConfigStore::open")
    }

    /// The configuration in service. Wait-free; the guard keeps it alive.
    pub fn current(&self) -> Guard<C> {
        // TODO
        todo!("ConfigStore::current")
    }

    /// 0 for the configuration read by `open`, one more for each reload that changed it.
    pub fn version(&self) -> u64 {
        // TODO
        todo!("ConfigStore::version")
    }

    /// The error of the latest reload attempt, or `None` if it succeeded (or none was
    /// made). While this is `Some`, [`current`](Self::current) is the last good version.
    pub fn last_error(&self) -> Option<ConfigError> {
        // TODO
        todo!("ConfigStore::last_error")
    }

    /// Re-reads the file now (the watcher does this on every change) and returns the
    /// version in service afterwards.
    ///
    /// # Errors
    ///
    /// If the file cannot be read, parsed or validated; the previous configuration stays
    /// in service.
    pub fn reload(&self) -> Result<u64, ConfigError> {
        // TODO
        todo!("ConfigStore::reload")
    }

    /// The (absolute) path of the file.
    pub fn path(&self) -> &Path {
        // TODO
        todo!("ConfigStore::path")
    }
}

impl<C: Config + fmt::Debug> fmt::Debug for ConfigStore<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigStore")
            .field("path", &self.shared.path)
            .field("current", &self.current())
            .field("last_error", &self.last_error())
            .finish()
    }
}

/// Given. Whether an event can mean new content: creation, a rename onto the name, a data write
/// or the close of a file opened for writing. Not reads, opens or metadata changes, which
/// our own reading of the file may cause.
fn changes_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        _ => false,
    }
}
