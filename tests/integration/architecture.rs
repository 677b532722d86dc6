//! The layers the folders show, checked on the code's own imports: each module imports only from
//! its own layer or the ones below, and no file reaches itself through its imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module's layer, from the composition root (highest) down to the core.
fn layer(module: &str) -> u8 {
    match module {
        "main" | "web" | "testing" => 5,
        "app" | "ui" | "server_fns" | "api" | "webhooks" | "embed" | "extract" => 4,
        "application" => 3,
        "gateways" | "store" | "handoff" | "events" | "config" | "wording" | "logging" | "countries" => 2,
        "domain" | "refusal" | "view" | "bounds" | "line_type" | "redirect" | "retry" => 1,
        "lib" => 0,
        other => panic!("the module `{other}` has no layer: give it one here"),
    }
}

/// A source file's module path (`application::journey::view`), and its file.
fn modules() -> BTreeMap<Vec<String>, PathBuf> {
    fn walk(dir: &Path, into: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, into);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                into.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files
        .into_iter()
        .map(|file| {
            let relative = file.strip_prefix(&src).unwrap().with_extension("");
            let mut path: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
            if matches!(path.last().map(String::as_str), Some("mod")) {
                path.pop();
            }
            if path == ["lib"] {
                path = Vec::new();
            }
            (path, file)
        })
        .collect()
}

/// The code of a source file: without its unit tests (they may reach anywhere in the crate) and
/// its comments.
fn code_of(source: &str) -> String {
    let code = source.find("#[cfg(test)]\nmod tests").map_or(source, |at| &source[..at]);
    code.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Every `crate::…` path a file names (`super::` spelled out), split at `::`; a braced group
/// gives one path per member.
fn imported_paths(module: &[String], source: &str) -> Vec<Vec<String>> {
    let parent = if module.is_empty() { String::from("crate::") } else { format!("crate::{}::", module[..module.len() - 1].join("::")) };
    let source = code_of(source).replace("super::", &parent);
    let mut paths = Vec::new();
    for (at, _) in source.match_indices("crate::") {
        let rest = &source[at + "crate::".len()..];
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
        let base: Vec<String> = rest[..end].split("::").filter(|part| !part.is_empty()).map(str::to_owned).collect();
        if rest[end..].starts_with('{') && rest[..end].ends_with("::") {
            let group = &rest[end + 1..rest[end..].find('}').map_or(rest.len(), |close| end + close)];
            for member in group.split(',').map(|member| member.trim().split("::").next().unwrap_or("")) {
                let mut path = base.clone();
                if !member.is_empty() && member != "self" {
                    path.push(member.to_owned());
                }
                paths.push(path);
            }
        } else {
            paths.push(base);
        }
    }
    paths
}

/// The file a path lands in: the longest module prefix, following `pub use child::Item`.
fn resolve(path: &[String], modules: &BTreeMap<Vec<String>, PathBuf>, reexports: &BTreeMap<(Vec<String>, String), Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|prefix| modules.contains_key(prefix)).map(|found| {
        match path.get(found.len()).and_then(|item| reexports.get(&(found.clone(), item.clone()))) {
            Some(child) => resolve(child, modules, reexports).unwrap_or(found),
            None => found,
        }
    })
}

/// `pub use child::{A, B}` in each module: where `A` and `B` really live.
fn reexports(modules: &BTreeMap<Vec<String>, PathBuf>) -> BTreeMap<(Vec<String>, String), Vec<String>> {
    let mut found = BTreeMap::new();
    for (module, file) in modules {
        let source = std::fs::read_to_string(file).unwrap();
        for line in source.lines().map(str::trim).filter_map(|line| line.strip_prefix("pub use ")) {
            let line = line.trim_start_matches("self::").trim_end_matches(';');
            let Some((child, items)) = line.split_once("::") else { continue };
            if matches!(child, "crate" | "super") || !modules.contains_key(&[module.clone(), vec![child.to_owned()]].concat()) {
                continue;
            }
            let items = items.trim_start_matches('{').trim_end_matches('}');
            for item in items.split(',').map(|item| item.trim().rsplit(' ').next().unwrap_or("").to_owned()).filter(|item| !item.is_empty()) {
                found.insert((module.clone(), item), [module.clone(), vec![child.to_owned()]].concat());
            }
        }
    }
    found
}

fn import_graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let modules = modules();
    let reexports = reexports(&modules);
    modules
        .iter()
        .map(|(module, file)| {
            let source = std::fs::read_to_string(file).unwrap();
            let targets = imported_paths(module, &source)
                .iter()
                .filter_map(|path| resolve(path, &modules, &reexports))
                .filter(|target| target != module && !target.is_empty())
                .collect();
            (module.clone(), targets)
        })
        .collect()
}

fn name(module: &[String]) -> String {
    if module.is_empty() { "lib".to_owned() } else { module.join("/") }
}

#[test]
fn every_import_points_to_the_same_layer_or_below() {
    let mut upward = Vec::new();
    for (module, targets) in import_graph() {
        let from = layer(module.first().map_or("lib", String::as_str));
        for target in targets {
            // The one exception Leptos needs: the browser's entry point mounts the app.
            if module.is_empty() && target == ["app"] {
                continue;
            }
            if layer(&target[0]) > from {
                upward.push(format!("{} -> {}", name(&module), name(&target)));
            }
        }
    }
    assert!(upward.is_empty(), "imports that run up the layers:\n{}", upward.join("\n"));
}

#[test]
fn no_file_reaches_itself_through_its_imports() {
    let graph = import_graph();
    let mut cycles = Vec::new();
    for start in graph.keys() {
        // A path back to `start`, by a depth-first search over what it imports.
        let mut stack: Vec<(Vec<String>, Vec<Vec<String>>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((at, trail)) = stack.pop() {
            for next in graph.get(&at).into_iter().flatten() {
                if next == start {
                    cycles.push(trail.iter().chain([start]).map(|module| name(module)).collect::<Vec<_>>().join(" -> "));
                } else if seen.insert(next.clone()) {
                    stack.push((next.clone(), [trail.clone(), vec![next.clone()]].concat()));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}
