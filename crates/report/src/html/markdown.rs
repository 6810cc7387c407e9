//! A report's Markdown as HTML for the page: chosen sections only, raw HTML
//! escaped, and its PNG plots inlined so the page needs no other file.

use base64::Engine as _;
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::path::Path;

/// `md` as HTML without its title line and without the second-level sections
/// named in `drop`; images under `dir` are inlined, those missing are left out.
pub(crate) fn to_html(md: &str, drop: &[&str], dir: &Path) -> String {
    let mut kept = Vec::new();
    // Inside a dropped section (or the title), and inside a heading being read.
    let mut skipping = false;
    let mut heading: Option<(HeadingLevel, Vec<Event<'_>>)> = None;
    let mut in_image = false;
    let mut links_dropped = 0usize;
    for event in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES) {
        match event {
            Event::Start(Tag::Heading { level, .. }) if level <= HeadingLevel::H2 => {
                heading = Some((level, vec![event]));
            }
            Event::End(TagEnd::Heading(level)) if level <= HeadingLevel::H2 => {
                let Some((_, mut events)) = heading.take() else {
                    continue;
                };
                let text: String = events
                    .iter()
                    .filter_map(|e| match e {
                        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                let title = level == HeadingLevel::H1;
                skipping = !title && drop.contains(&text.trim());
                if !(skipping || title) {
                    events.push(event);
                    kept.extend(events);
                }
            }
            e if heading.is_some() => {
                if let Some((_, events)) = heading.as_mut() {
                    events.push(e);
                }
            }
            _ if skipping => {}
            // A link the report did not make (a name holding `[x](javascript:...)`)
            // stays its text.
            Event::Start(Tag::Link { ref dest_url, .. }) if !safe_link(dest_url) => {
                links_dropped += 1;
            }
            Event::End(TagEnd::Link) if links_dropped > 0 => links_dropped -= 1,
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => match plot_file(dir, &dest_url).and_then(|p| inline_png(&p)) {
                Some(data) => kept.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url: CowStr::from(data),
                    title,
                    id,
                })),
                None => in_image = true,
            },
            Event::End(TagEnd::Image) if in_image => in_image = false,
            _ if in_image => {}
            // Names in a report come from users' files: never markup.
            Event::Html(t) | Event::InlineHtml(t) => kept.push(Event::Text(t)),
            e => kept.push(e),
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, kept.into_iter());
    html
}

/// True for the links a report writes: web addresses and places in the page.
fn safe_link(url: &str) -> bool {
    ["http://", "https://", "mailto:", "#"]
        .iter()
        .any(|p| url.starts_with(p))
}

/// The file of a plot the report wrote: `plots/NAME.png` under `dir`, never
/// a path that leaves it.
fn plot_file(dir: &Path, url: &str) -> Option<std::path::PathBuf> {
    let name = url.strip_prefix("plots/")?;
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.contains("..");
    plain.then(|| dir.join("plots").join(name))
}

/// The PNG at `path` as a `data:` URL, when it is there.
fn inline_png(path: &Path) -> Option<String> {
    if path.extension().and_then(|e| e.to_str()) != Some("png") {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    Some(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_sections_and_the_title_are_left_out_and_markup_is_escaped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("plots")).unwrap();
        std::fs::write(dir.path().join("plots/a.png"), [137u8, 80, 78, 71]).unwrap();
        std::fs::write(dir.path().join("secret.png"), [1u8, 2, 3]).unwrap();
        let md = "# Title <b>\n\nintro <script>x</script>\n\n## Runs\n\n| a |\n|---|\n| 1 |\n\n\
                  ## Data\n\n| file | sum |\n|---|---|\n| f | `s` |\n\n![a plot](plots/a.png)\n\n![gone](plots/b.png)\n\n\
                  [click](javascript:alert(1)) [site](https://example.org) ![x](secret.png) ![y](plots/../secret.png)\n";
        let html = to_html(md, &["Runs"], dir.path());
        assert!(!html.contains("Title"), "{html}");
        assert!(!html.contains("<h2>Runs"), "{html}");
        assert!(html.contains("<h2>Data</h2>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("src=\"data:image/png;base64,iVBORw==\""),
            "{html}"
        );
        assert!(!html.contains("b.png") && !html.contains("gone"), "{html}");
        assert!(
            !html.contains("javascript:") && html.contains("click"),
            "{html}"
        );
        assert!(html.contains("href=\"https://example.org\""), "{html}");
        assert!(
            !html.contains("AQID"),
            "a file outside plots/ was inlined: {html}"
        );
    }
}
