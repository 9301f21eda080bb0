//! The book's checks in `cargo xtask verify`, beyond "it builds and its code compiles":
//!
//! - every internal link resolves: mdbook-linkcheck2 (the maintained fork of
//!   mdbook-linkcheck; the original does not work with mdBook 0.5) for files, and a scan of
//!   the built pages for `#anchors`, which linkcheck2 does not check;
//! - the built book renders in headless Chromium: a screenshot of a chapter with diagrams
//!   is saved in `target/book-check/`, and every figure (`book/src/figures/**.svg`) is
//!   loaded by the browser and must decode to a picture;
//! - the book's search finds "Acquire" (mdBook runs a search given as `?search=` in the
//!   URL).
//!
//! The link checker is enabled only here, by a configuration override in the environment
//! (`MDBOOK_OUTPUT__LINKCHECK2__...`), and the checked build goes to `target/book-check/`:
//! `book.toml` names only the HTML output, so a learner's `cargo xtask book` (and a plain
//! `mdbook build`) needs nothing but the pinned mdBook, and builds into `book/build/` as
//! before. Chromium is not installed by the runner: `.ci/run` installs Debian's package;
//! elsewhere install it (or Chrome) yourself, or point `COURSE_CHROMIUM` at one.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::book;
use crate::workspace::Workspace;

/// The pinned link checker (mdbook-linkcheck2 0.13 speaks mdBook 0.5's renderer API).
pub const LINKCHECK2_VERSION: &str = "0.13.0";

/// The chapter whose screenshot the render check takes (it has diagrams).
const SCREENSHOT_PAGE: &str = "concepts/memory-model.html";

type Verdict = std::result::Result<(), String>;

/// Where the checked build goes.
fn out_dir(ws: &Workspace) -> PathBuf {
    ws.target_dir().join("book-check")
}

/// Builds the book with the HTML and link-check outputs into `target/book-check/`;
/// fails with the checker's report if a link or an anchor does not resolve.
pub fn links(ws: &Workspace, mdbook: &Path) -> Result<Verdict> {
    let checker = book::ensure_tool(
        ws,
        "mdbook-linkcheck2",
        "mdbook-linkcheck2",
        LINKCHECK2_VERSION,
    )?;
    let out = out_dir(ws);
    let _ = std::fs::remove_dir_all(&out);
    let mut path =
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect::<Vec<_>>();
    if let Some(dir) = checker.parent().filter(|d| !d.as_os_str().is_empty()) {
        path.insert(0, ws.root.join(dir));
    }
    let result = Command::new(mdbook)
        .arg("build")
        .arg(ws.root.join(&ws.catalogue.course.book))
        .arg("--dest-dir")
        .arg(&out)
        .env("PATH", std::env::join_paths(path)?)
        // Adds `[output.linkcheck2] follow-web-links = false` for this build only: the
        // book's web links are not checked (CI has no general network access).
        .env("MDBOOK_OUTPUT__LINKCHECK2__FOLLOW_WEB_LINKS", "false")
        .stdin(Stdio::null())
        .output()
        .context("cannot run mdbook")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    if !result.status.success() {
        return Ok(Err(format!("mdbook build with linkcheck2 failed:\n{text}")));
    }
    if !out.join("linkcheck2").is_dir() {
        return Ok(Err(format!(
            "mdbook did not run the linkcheck2 output (is the override honoured?):\n{text}"
        )));
    }
    // linkcheck2 checks that linked files exist, not that `#anchors` do: check those in
    // the built pages.
    let broken = broken_anchors(&out.join("html"));
    if !broken.is_empty() {
        return Ok(Err(format!(
            "links to headings that do not exist:\n{}",
            broken.join("\n")
        )));
    }
    Ok(Ok(()))
}

/// Every internal link `page.html#anchor` (or `#anchor`) in the built book whose page has
/// no element with that id, as "from-page: link".
fn broken_anchors(html: &Path) -> Vec<String> {
    let mut broken = Vec::new();
    let mut pages = Vec::new();
    let mut stack = vec![html.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "html") {
                pages.push(p);
            }
        }
    }
    pages.sort();
    for page in &pages {
        let name = page.file_name().and_then(|n| n.to_str()).unwrap_or("");
        // The print page and the sidebar repeat every chapter's links with other ids.
        if matches!(name, "print.html" | "toc.html" | "404.html") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(page) else {
            continue;
        };
        for href in text
            .split("href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
        {
            let Some((target, anchor)) = href.split_once('#') else {
                continue;
            };
            if anchor.is_empty() || href.contains("://") || href.starts_with("mailto:") {
                continue;
            }
            let target = target.split('?').next().unwrap_or_default();
            let file = if target.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap_or(html).join(target)
            };
            let Ok(dest) = std::fs::read_to_string(&file) else {
                continue; // a missing file is linkcheck2's report
            };
            if !dest.contains(&format!("id=\"{anchor}\"")) {
                let from = page.strip_prefix(html).unwrap_or(page);
                broken.push(format!("{}: {href}", from.display()));
            }
        }
    }
    broken.sort();
    broken.dedup();
    broken
}

/// The checked build's HTML folder (built by [`links`]).
fn html_dir(ws: &Workspace) -> Result<PathBuf> {
    let html = out_dir(ws).join("html");
    if !html.join("index.html").is_file() {
        bail!(
            "{} is missing: the link check builds it first",
            ws.rel(&html).display()
        );
    }
    Ok(html)
}

/// A Chromium (or Chrome) to run headless: `COURSE_CHROMIUM`, else the usual names.
fn chromium() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("COURSE_CHROMIUM") {
        return Ok(PathBuf::from(p));
    }
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        let found = Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if found {
            return Ok(PathBuf::from(name));
        }
    }
    bail!(
        "no headless browser found: install Debian's `chromium` (`apt-get install -y chromium`, as .ci/run does) or set COURSE_CHROMIUM"
    )
}

/// Runs headless Chromium on `url` with `extra` arguments; returns its stdout.
fn headless(ws: &Workspace, url: &str, extra: &[&str]) -> Result<String> {
    let browser = chromium()?;
    // A fresh profile per run: a second Chromium on a profile still held by the first (its
    // helpers can outlive it briefly) hands its work to that one and prints nothing.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile = out_dir(ws).join(format!("chromium-profile-{}-{n}", std::process::id()));
    let out = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", browser.display()))?;
    let _ = std::fs::remove_dir_all(&profile);
    if !out.status.success() {
        bail!(
            "{} failed on {url}:\n{}",
            browser.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Every `.svg` under `dir`, as paths relative to it, sorted.
fn svgs_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "svg") {
                found.push(p.strip_prefix(dir).unwrap_or(&p).to_path_buf());
            }
        }
    }
    found.sort();
    found
}

/// The built book renders in headless Chromium: a screenshot of a chapter with diagrams
/// (saved as `target/book-check/screenshot.png`), and every figure decodes in the browser.
pub fn renders(ws: &Workspace) -> Result<Verdict> {
    let html = html_dir(ws)?;
    let mut problems = Vec::new();

    let page = html.join(SCREENSHOT_PAGE);
    if !page.is_file() {
        problems.push(format!("{SCREENSHOT_PAGE} was not built"));
    } else {
        let shot = out_dir(ws).join("screenshot.png");
        headless(
            ws,
            &file_url(&page),
            &[
                &format!("--screenshot={}", shot.display()),
                "--window-size=1280,3000",
                "--virtual-time-budget=3000",
            ],
        )?;
        let size = std::fs::metadata(&shot).map_or(0, |m| m.len());
        // A blank 1280×3000 page compresses to a few KB; text and diagrams do not.
        if size < 40_000 {
            problems.push(format!(
                "the screenshot {} is {size} bytes: the page looks blank",
                ws.rel(&shot).display()
            ));
        }
    }

    // Every figure, loaded as an <img> by the browser: a malformed SVG does not decode.
    let figures = html.join("figures");
    let svgs = svgs_under(&figures);
    if svgs.is_empty() {
        problems.push("the built book has no figures (book/src/figures/**.svg)".into());
    } else {
        let imgs: String = svgs
            .iter()
            .map(|p| format!("<img src=\"figures/{}\">\n", p.display()))
            .collect();
        let probe = html.join("figures-check.html");
        std::fs::write(
            &probe,
            format!(
                "<!doctype html><html><body>\n{imgs}<pre id=\"result\"></pre>\n<script>\n\
                 window.addEventListener('load', () => {{\n\
                   const bad = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));\n\
                   document.getElementById('result').textContent = 'rendered ' + (document.images.length - bad.length) + ' of ' + document.images.length + (bad.length ? '; broken: ' + bad.join(' ') : '');\n\
                 }});\n</script></body></html>\n"
            ),
        )?;
        let dom = headless(
            ws,
            &file_url(&probe),
            &["--dump-dom", "--virtual-time-budget=3000"],
        )?;
        let _ = std::fs::remove_file(&probe);
        let result = dom
            .split("<pre id=\"result\">")
            .nth(1)
            .and_then(|s| s.split("</pre>").next())
            .unwrap_or("(no result)");
        let want = format!("rendered {n} of {n}", n = svgs.len());
        if result.trim() != want {
            problems.push(format!("figures: {result}"));
        }
    }
    Ok(if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    })
}

/// The book's search finds `word`: mdBook runs the search in `?search=` on page load and
/// lists the hits in its search-results list.
pub fn search(ws: &Workspace, word: &str) -> Result<Verdict> {
    let html = html_dir(ws)?;
    let url = format!("{}?search={word}", file_url(&html.join("index.html")));
    let dom = headless(ws, &url, &["--dump-dom", "--virtual-time-budget=5000"])?;
    // The results list: `<ul id="mdbook-searchresults">` in mdBook 0.5 (`searchresults`
    // before it).
    let results = dom
        .split("searchresults\">")
        .nth(1)
        .and_then(|s| s.split("</ul>").next())
        .unwrap_or("");
    let hits = results.matches("<li").count();
    if hits == 0 {
        return Ok(Err(format!(
            "searching the built book for \"{word}\" listed nothing (url: {url})"
        )));
    }
    if !results.contains("concepts/") {
        return Ok(Err(format!(
            "searching for \"{word}\" found {hits} hit(s), none in Part I (concepts/)"
        )));
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_to_missing_headings_only() {
        let dir = tempfile::tempdir().unwrap();
        let html = dir.path();
        std::fs::create_dir(html.join("concepts")).unwrap();
        std::fs::write(
            html.join("concepts/a.html"),
            r##"<h2 id="here">x</h2><a href="#here">ok</a><a href="#gone">bad</a>
               <a href="b.html#there">ok</a><a href="b.html#nowhere">bad</a>
               <a href="https://example.com/#x">web</a><a href="missing.html#x">file</a>"##,
        )
        .unwrap();
        std::fs::write(html.join("concepts/b.html"), r#"<h2 id="there">y</h2>"#).unwrap();
        // The print page repeats everything; it is not checked.
        std::fs::write(html.join("print.html"), r##"<a href="#gone">x</a>"##).unwrap();
        assert_eq!(
            broken_anchors(html),
            vec![
                "concepts/a.html: #gone".to_string(),
                "concepts/a.html: b.html#nowhere".to_string()
            ]
        );
    }
}
