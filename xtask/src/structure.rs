//! `cargo xtask structure`: the house rules a reorganisation must keep, checked
//! on the sources: no module of a crate imports one that imports it back
//! (directly or around a longer loop), and no crate holds more than a set
//! share of the workspace's lines.
//!
//! Imports are read from the text: every `crate::` and `super::` path outside
//! comments and `#[cfg(test)]` modules, resolved to the module that defines
//! the item (through `pub use` re-exports). Parent modules declaring their
//! children (`mod x;`) are not imports.

use anyhow::{bail, Context};
use clap::Args as ClapArgs;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The most of the workspace's Rust lines one crate may hold, in percent.
pub const MAX_CRATE_SHARE: f64 = 35.0;

/// Flags of `cargo xtask structure`.
#[derive(Debug, ClapArgs)]
pub struct Args {}

/// A module of a crate: its path from the crate root (`""` for the root) and its source.
struct Module {
    path: String,
    source: String,
}

/// Prints each crate's lines and share, and every import cycle; fails on a
/// cycle or a crate above [`MAX_CRATE_SHARE`].
pub fn run(_args: Args) -> anyhow::Result<()> {
    let root = crate::workspace_root();
    let crates = crate_dirs(&root)?;
    let lines: Vec<(String, usize)> = crates
        .iter()
        .map(|(name, dir)| Ok((name.clone(), rust_lines(dir)?)))
        .collect::<anyhow::Result<_>>()?;
    let total: usize = lines.iter().map(|(_, n)| n).sum();
    let mut problems = Vec::new();
    println!("{:<14} {:>7} {:>6}", "crate", "lines", "share");
    for (name, n) in &lines {
        let share = 100.0 * *n as f64 / total as f64;
        println!("{name:<14} {n:>7} {share:>5.1}%");
        if share > MAX_CRATE_SHARE {
            problems.push(format!(
                "{name} holds {share:.1}% of the workspace's lines, more than {MAX_CRATE_SHARE}%"
            ));
        }
    }
    println!("{:<14} {total:>7}", "total");
    for (name, dir) in &crates {
        let src = dir.join("src");
        if !src.is_dir() {
            continue;
        }
        for cycle in cycles(&modules(&src)?) {
            problems.push(format!(
                "{name}: modules import each other: {}",
                cycle.join(" -> ")
            ));
        }
    }
    if problems.is_empty() {
        println!("no module imports one that imports it back");
        return Ok(());
    }
    for p in &problems {
        eprintln!("{p}");
    }
    bail!("{} structure problems", problems.len())
}

/// Every crate of the workspace (`crates/*`, `xtask`, `benches`) by folder name.
fn crate_dirs(root: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut dirs = Vec::new();
    let crates = root.join("crates");
    for entry in std::fs::read_dir(&crates).with_context(|| crates.display().to_string())? {
        let path = entry?.path();
        if path.join("Cargo.toml").is_file() {
            dirs.push(path);
        }
    }
    dirs.extend(["xtask", "benches"].map(|d| root.join(d)));
    dirs.sort();
    Ok(dirs
        .into_iter()
        .map(|d| (d.file_name().unwrap().to_string_lossy().into_owned(), d))
        .collect())
}

/// Every `.rs` file under `dir`, `target` folders left out.
fn rust_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| d.display().to_string())? {
            let path = entry?.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Lines of Rust under `dir`.
fn rust_lines(dir: &Path) -> anyhow::Result<usize> {
    let mut n = 0;
    for f in rust_files(dir)? {
        n += std::fs::read_to_string(&f)
            .with_context(|| f.display().to_string())?
            .lines()
            .count();
    }
    Ok(n)
}

/// The modules of the crate whose sources are in `src`.
fn modules(src: &Path) -> anyhow::Result<Vec<Module>> {
    let mut out = Vec::new();
    for file in rust_files(src)? {
        let rel = file.strip_prefix(src)?.with_extension("");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(
            parts.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            parts.pop();
        }
        // Binaries other than main (src/bin/*) are crates of their own.
        if parts.first().is_some_and(|p| p == "bin") {
            continue;
        }
        let source = std::fs::read_to_string(&file).with_context(|| file.display().to_string())?;
        out.push(Module {
            path: parts.join("::"),
            source: strip(&source),
        });
    }
    Ok(out)
}

/// `source` without comments and without its `#[cfg(test)]` modules (this
/// project keeps them at the end of a file).
fn strip(source: &str) -> String {
    let mut text = String::with_capacity(source.len());
    for line in source.lines() {
        let code = line.find("//").map_or(line, |i| &line[..i]);
        text.push_str(code);
        text.push('\n');
    }
    match text.find("#[cfg(test)]\nmod ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Splits `crate::a::{b, c::d}` style use-trees into their leaf paths.
fn expand_tree(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut base = prefix.to_vec();
        base.extend(head);
        let mut depth = 0;
        let mut start = 0;
        for (i, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand_tree(&base, &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand_tree(&base, &inner[start..], out);
    } else {
        let mut path = prefix.to_vec();
        let tree = tree.split(" as ").next().unwrap_or("").trim();
        path.extend(
            tree.split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "self" && *s != "*")
                .map(String::from),
        );
        if !path.is_empty() {
            out.push(path);
        }
    }
}

/// The paths (from the crate root) that `module`'s source names.
fn named_paths(module: &Module) -> Vec<Vec<String>> {
    let here: Vec<String> = if module.path.is_empty() {
        Vec::new()
    } else {
        module.path.split("::").map(String::from).collect()
    };
    let src = &module.source;
    let mut out = Vec::new();
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < src.len() {
        let rest = &src[i..];
        let word = ["crate::", "super::"]
            .into_iter()
            .find(|w| rest.starts_with(w));
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let Some(word) = word.filter(|_| boundary) else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let mut base: Vec<String> = if word == "crate::" {
            Vec::new()
        } else {
            here[..here.len().saturating_sub(1)].to_vec()
        };
        let mut j = i + word.len();
        while src[j..].starts_with("super::") {
            base.pop();
            j += "super::".len();
        }
        // The path runs to the end of its use-tree or identifier chain.
        let mut k = j;
        let mut depth = 0;
        for (off, ch) in src[j..].char_indices() {
            k = j + off;
            match ch {
                '{' => depth += 1,
                '}' if depth > 0 => depth -= 1,
                c if depth > 0 || c.is_alphanumeric() || c == '_' || c == ':' => {}
                _ => break,
            }
            k = j + off + ch.len_utf8();
        }
        expand_tree(&base, &src[j..k], &mut out);
        i = k.max(i + 1);
    }
    out
}

/// For each module, what its `pub use` items re-export: `module::name` to
/// the path it stands for.
fn re_exports(modules: &[Module]) -> BTreeMap<String, Vec<String>> {
    let mut map = BTreeMap::new();
    for m in modules {
        let here: Vec<String> = if m.path.is_empty() {
            Vec::new()
        } else {
            m.path.split("::").map(String::from).collect()
        };
        for stmt in m.source.split(';') {
            let stmt = stmt.trim();
            let Some(rest) = stmt
                .strip_prefix("pub use ")
                .or_else(|| stmt.strip_prefix("pub(crate) use "))
            else {
                continue;
            };
            let (base, tree) = if let Some(t) = rest.strip_prefix("crate::") {
                (Vec::new(), t)
            } else if let Some(t) = rest.strip_prefix("super::") {
                (here[..here.len().saturating_sub(1)].to_vec(), t)
            } else if let Some(t) = rest.strip_prefix("self::") {
                (here.clone(), t)
            } else {
                (here.clone(), rest)
            };
            let mut leaves = Vec::new();
            expand_tree(&base, tree, &mut leaves);
            for leaf in leaves {
                let name = leaf.last().cloned().unwrap_or_default();
                let mut key = here.clone();
                key.push(name);
                map.insert(key.join("::"), leaf);
            }
        }
    }
    map
}

/// The module a path from the crate root lands in: its longest prefix that
/// is a module, followed through re-exports (at most a few deep).
fn resolve(
    path: &[String],
    names: &BTreeSet<String>,
    exports: &BTreeMap<String, Vec<String>>,
) -> Option<String> {
    let mut path = path.to_vec();
    for _ in 0..8 {
        let mut next = None;
        for len in (1..=path.len()).rev() {
            let prefix = path[..len].join("::");
            if let Some(target) = exports.get(&prefix).filter(|t| t[..] != path[..len]) {
                let mut through = target.clone();
                through.extend_from_slice(&path[len..]);
                next = Some(through);
                break;
            }
            if names.contains(&prefix) {
                return Some(prefix);
            }
        }
        path = next?;
    }
    None
}

/// Every loop of imports among `modules`, each as the modules around it.
fn cycles(modules: &[Module]) -> Vec<Vec<String>> {
    let names: BTreeSet<String> = modules.iter().map(|m| m.path.clone()).collect();
    let exports = re_exports(modules);
    let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for m in modules {
        let targets = edges.entry(&m.path).or_default();
        for path in named_paths(m) {
            if let Some(t) = resolve(&path, &names, &exports) {
                let inside = m.path.starts_with(&format!("{t}::"));
                if !t.is_empty() && t != m.path && !inside {
                    targets.insert(t);
                }
            }
        }
    }
    // Strongly connected components (Tarjan), those of two or more modules.
    struct State<'a> {
        edges: &'a BTreeMap<&'a str, BTreeSet<String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        on: BTreeSet<String>,
        found: Vec<Vec<String>>,
    }
    fn visit(v: &str, s: &mut State<'_>) {
        let n = s.index.len();
        s.index.insert(v.to_string(), n);
        s.low.insert(v.to_string(), n);
        s.stack.push(v.to_string());
        s.on.insert(v.to_string());
        let next: Vec<String> = s.edges.get(v).into_iter().flatten().cloned().collect();
        for w in next {
            if !s.index.contains_key(&w) {
                visit(&w, s);
                let lw = s.low[&w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on.contains(&w) {
                let iw = s.index[&w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            loop {
                let w = s.stack.pop().unwrap();
                s.on.remove(&w);
                let done = w == v;
                component.push(w);
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        found: Vec::new(),
    };
    for m in modules {
        if !state.index.contains_key(&m.path) {
            visit(&m.path, &mut state);
        }
    }
    state.found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(path: &str, source: &str) -> Module {
        Module {
            path: path.into(),
            source: strip(source),
        }
    }

    #[test]
    fn a_loop_through_a_re_export_is_found_and_a_test_only_import_is_not() {
        let modules = [
            module("", "mod a;\nmod b;\npub use b::Thing;\n"),
            module("a", "use crate::Thing;\npub struct A;\n"),
            module("b", "use crate::a::{A, self};\npub struct Thing;\n"),
            module(
                "c",
                "pub struct C;\n#[cfg(test)]\nmod tests {\n    use crate::d::D;\n}\n",
            ),
            module(
                "d",
                "use super::c::C; // crate::a::A in a comment\npub struct D;\n",
            ),
        ];
        assert_eq!(
            cycles(&modules),
            vec![vec!["a".to_string(), "b".to_string()]]
        );
        let acyclic = [
            module("", "mod a;\nmod b;\n"),
            module("a", "use crate::b::{B, nested::{X, Y}};\n"),
            module("b", "pub struct B;\n"),
        ];
        assert!(cycles(&acyclic).is_empty());
    }

    #[test]
    fn parents_and_children_and_super_paths_resolve() {
        let modules = [
            module("", "mod sweep;\n"),
            module("sweep", "mod grid;\nmod plan;\npub use grid::Grid;\n"),
            module("sweep::grid", "use super::plan::Plan;\npub struct Grid;\n"),
            module("sweep::plan", "use crate::sweep::Grid;\npub struct Plan;\n"),
        ];
        assert_eq!(
            cycles(&modules),
            vec![vec!["sweep::grid".to_string(), "sweep::plan".to_string()]]
        );
    }

    /// The workspace as it is: every crate under the share limit, no import loop.
    #[test]
    fn the_workspace_keeps_its_structure() {
        run(Args {}).unwrap();
    }
}
