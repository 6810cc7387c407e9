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
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => match inline_png(&dir.join(dest_url.as_ref())) {
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
        std::fs::write(dir.path().join("a.png"), [137u8, 80, 78, 71]).unwrap();
        let md = "# Title <b>\n\nintro <script>x</script>\n\n## Runs\n\n| a |\n|---|\n| 1 |\n\n\
                  ## Data\n\n| file | sum |\n|---|---|\n| f | `s` |\n\n![a plot](a.png)\n\n![gone](b.png)\n";
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
    }
}
