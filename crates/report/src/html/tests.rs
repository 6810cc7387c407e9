//! Tests of the page: self-contained, its data what the runs say, names
//! escaped, live while a sweep runs.

use super::*;
use crate::sweep::tests::grid;

/// The JSON object the page's script reads.
fn data_of(page: &str) -> serde_json::Value {
    let start = page.find(r#"id="report-data">"#).expect("a data element") + 17;
    let end = start + page[start..].find("</script>").expect("its end");
    serde_json::from_str(&page[start..end]).expect("valid JSON")
}

/// Every address the page names: only `data:` URLs and the SVG namespace.
fn assert_self_contained(page: &str) {
    for (at, _) in page.match_indices("http") {
        assert!(
            page[at..].starts_with("http://www.w3.org/2000/svg\""),
            "a network address at {at}: {}",
            &page[at..at + 60.min(page.len() - at)]
        );
    }
    for attr in ["src=\"", "href=\""] {
        for (at, _) in page.match_indices(attr) {
            let rest = &page[at + attr.len()..];
            assert!(
                rest.starts_with("data:") || rest.starts_with('#'),
                "{attr} names a file: {}",
                &rest[..40.min(rest.len())]
            );
        }
    }
    assert!(!page.contains("<link rel=\"stylesheet\""));
}

#[test]
fn the_sweep_page_holds_every_run_ranked_with_its_fields_and_nothing_to_fetch() {
    let records = grid();
    let dir = tempfile::tempdir().unwrap();
    let files = crate::write_report(&records, Some("demo <grid>"), dir.path()).unwrap();
    assert_eq!(files.html, dir.path().join("report.html"));
    let page = std::fs::read_to_string(&files.html).unwrap();
    assert_self_contained(&page);
    assert!(page.contains("<title>demo &lt;grid&gt;</title>"));
    // The Markdown's sections the page does not draw itself.
    assert!(page.contains("<h2>Work</h2>") && page.contains("<h2>Data</h2>"));
    assert!(!page.contains("<h2>Plots</h2>"));
    let data = data_of(&page);
    assert_eq!(data["what"], "validation error");
    assert!(data["live"].is_null());
    let names: Vec<&str> = data["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["hidden", "lr"]);
    assert_eq!(
        data["fields"][1]["levels"],
        serde_json::json!(["0.01", "0.05", "0.2"])
    );
    let runs = data["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 6);
    let first = runs.iter().find(|r| r["rank"] == 1).unwrap();
    // The widest net at the middle rate: level indices 1 and 1.
    assert_eq!(first["v"], serde_json::json!([1.0, 1.0]));
    assert_eq!(first["err"], 1.6);
    assert_eq!(first["test"], 1.5);
    let curve = &first["curve"];
    assert_eq!(curve[0].as_array().unwrap().len(), 12);
    assert_eq!(data["confusion"]["counts"].as_array().unwrap().len(), 10);
    assert!(
        data["importance"].is_null(),
        "6 runs are too few for importance"
    );
}

#[test]
fn a_name_cannot_end_the_script_or_add_markup() {
    let records = grid();
    let dir = tempfile::tempdir().unwrap();
    let hostile = "</script><script>alert(1)</script>";
    let files = crate::write_report(&records, Some(hostile), dir.path()).unwrap();
    let page = std::fs::read_to_string(&files.html).unwrap();
    let at = page
        .find("<script>alert")
        .map(|a| &page[a.saturating_sub(300)..a + 50]);
    assert!(at.is_none(), "{at:?}");
    assert_eq!(data_of(&page)["title"], hostile);
}

#[test]
fn a_live_page_says_where_the_sweep_stands_until_the_final_report_replaces_it() {
    let records = grid();
    let dir = tempfile::tempdir().unwrap();
    let status = LiveStatus {
        done: 6,
        running: 2,
        left: 10,
    };
    let path = crate::write_page(&records, None, dir.path(), Some(status)).unwrap();
    let live = std::fs::read_to_string(&path).unwrap();
    assert_self_contained(&live);
    assert_eq!(
        data_of(&live)["live"],
        serde_json::json!({"done": 6, "running": 2, "left": 10})
    );
    // The live page writes no plot: its Markdown names none.
    assert!(!dir.path().join("plots").exists());
    let files = crate::write_report(&records, None, dir.path()).unwrap();
    assert_eq!(files.html, path);
    assert!(data_of(&std::fs::read_to_string(&path).unwrap())["live"].is_null());
    // An empty sweep still gets a page.
    let empty = tempfile::tempdir().unwrap();
    let path = crate::write_page(&[], None, empty.path(), Some(status)).unwrap();
    assert_eq!(
        data_of(&std::fs::read_to_string(path).unwrap())["runs"],
        serde_json::json!([])
    );
}

#[test]
fn the_study_page_has_its_tables_beside_the_published_ones_and_its_plots_inline() {
    let records = crate::study::tests::study_records();
    let dir = tempfile::tempdir().unwrap();
    let files = crate::write_report(&records, None, dir.path()).unwrap();
    let page = std::fs::read_to_string(&files.html).unwrap();
    assert_self_contained(&page);
    let h2: Vec<&str> = page
        .match_indices("<h2>")
        .map(|(a, _)| &page[a..a + 40])
        .collect();
    assert!(page.contains("<h2>The study's tables</h2>"), "{h2:?}");
    assert!(page.contains("<table>"));
    let inlined = page.matches("src=\"data:image/png;base64,").count();
    assert!(inlined >= 3, "{inlined} plots inline");
    assert!(!page.contains("plots/"), "a plot left as a file reference");
}
