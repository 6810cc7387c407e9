//! The report as one self-contained HTML page, `report.html`: styles, script
//! and data inline, plots drawn by the page as SVG (the study's PNG plots
//! inlined), nothing fetched. The page sorts and filters the runs table,
//! brushes parallel coordinates, and reloads itself while a sweep is running.

mod markdown;
mod payload;

pub use payload::LiveStatus;

use crate::sweep::Judged;
use crate::ReportError;
use mlp_sweep::RunRecord;
use payload::Payload;
use std::path::{Path, PathBuf};

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// The sections of a sweep's Markdown the page draws itself, left out of its
/// text (the study's plots and tables stay: they are the study's own).
const DRAWN_SECTIONS: &[&str] = &["Runs", "Plots", "Hyperparameter importance"];

/// `text` with HTML's special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page of `records` titled `title`, with the report's Markdown `md`
/// (its plots read from under `dir`); `live` while the sweep runs; `study`
/// for the study's report, whose Markdown is shown whole.
pub(crate) fn page(
    records: &[RunRecord],
    title: &str,
    md: &str,
    dir: &Path,
    live: Option<LiveStatus>,
    study: bool,
) -> String {
    let judged = Judged::new(records);
    let payload = Payload::new(title, &judged, live);
    // No `<` in the data, so nothing in it can end or restart the element.
    let json = serde_json::to_string(&payload)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c");
    let drawn = match study {
        true => &[][..],
        false => DRAWN_SECTIONS,
    };
    let text = markdown::to_html(md, drawn, dir);
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mlp-report {version}">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>
{STYLE}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p id="status"></p>
<nav id="contents"></nav>
</header>
<main>
<section id="text">
{text}</section>
<section id="importance-section" hidden>
<h2>Hyperparameter importance</h2>
<p class="caption" id="importance-caption"></p>
<div id="importance"></div>
</section>
<section id="runs-section" hidden>
<h2>Runs</h2>
<p class="caption"><span id="runs-count"></span> Click a header to sort; type in a field's box to filter (<code>&lt;0.01</code>, <code>&gt;=300</code>, <code>relu</code>); click a run for its learning curve.</p>
<div class="table-wrap"><table id="runs"></table></div>
</section>
<section id="parallel-section" hidden>
<h2>Parallel coordinates</h2>
<p class="caption">One line per run, from the lowest error (blue) to the highest (red). Drag along an axis to select runs (the table follows); click an axis to clear its selection.</p>
<div id="parallel"></div>
</section>
<section id="fields-section" hidden>
<h2>Error by field</h2>
<div id="fields" class="grid"></div>
</section>
<section id="curves-section" hidden>
<h2>Learning curves</h2>
<p class="caption" id="curves-caption"></p>
<div id="curves"></div>
</section>
<section id="heatmaps-section" hidden>
<h2>Heat maps</h2>
<p class="caption">The lowest error of the runs in each cell, over each pair of fields.</p>
<div id="heatmaps" class="grid"></div>
</section>
<section id="confusion-section" hidden>
<h2>Confusion matrix</h2>
<p class="caption" id="confusion-caption"></p>
<div id="confusion"></div>
</section>
</main>
<script type="application/json" id="report-data">{json}</script>
<script>
{SCRIPT}</script>
</body>
</html>
"#,
        version = crate::VERSION,
        title = escape(title),
    )
}

/// Writes `page` to `out_dir/report.html`, whole or not at all; returns its path.
pub(crate) fn write(out_dir: &Path, page: &str) -> Result<PathBuf, ReportError> {
    let path = out_dir.join("report.html");
    mlp_engine::files::write_atomic(&path, page.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests;
