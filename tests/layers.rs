//! The runtime's modules form a stack: each imports only modules of its own layer or below
//! (DESIGN.md's layer table). This test reads every `crate::` path in `chainrs-runtime/src`.
//!
//! `KNOWN_UPWARD` lists imports allowed to point up; it is empty, and a listed one that no
//! longer exists fails the test too, so the list can only stay empty.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each top-level module of the runtime and its layer, lowest first.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("config", 0),
    ("hook_table", 0),
    ("protocol", 0),
    ("registered", 0),
    ("auth", 1),
    ("session", 2),
    ("files", 2),
    ("data", 2),
    ("context", 3),
    ("chat", 4),
    ("extract", 5),
    ("tab", 6),
    ("transport", 7),
    ("server", 7),
    ("testing", 7),
    ("ui", 7),
    ("app", 8),
    // The crate root and the macros' paths re-export from everywhere.
    ("lib", 9),
    ("__private", 9),
];

/// Upward imports that remain, as (importing module, imported module).
const KNOWN_UPWARD: &[(&str, &str)] = &[];

fn layer(module: &str) -> u8 {
    LAYERS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, layer)| *layer)
        .unwrap_or_else(|| panic!("module `{module}` has no layer: add it to LAYERS"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a file belongs to: its first path component under `src` (`session/redis.rs`
/// is `session`), or its stem for a file at the top (`error.rs` is `error`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_owned()
}

/// Every module named by a `crate::name` path in `code`, comments left out.
fn imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or_default();
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
            rest = after;
        }
    }
    found
}

/// (importer, imported, file) for every import of a higher layer.
fn upward_imports() -> Vec<(String, String, PathBuf)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../chainrs-runtime/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(
        files.len() > 20,
        "read too few files under {}",
        src.display()
    );
    let mut upward = Vec::new();
    for file in files {
        let module = module_of(&src, &file);
        let code = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
        for imported in imports(&code) {
            if imported != module && layer(&imported) > layer(&module) {
                upward.push((module.clone(), imported, file.clone()));
            }
        }
    }
    upward
}

#[test]
fn no_module_imports_a_higher_layer_beyond_the_known_list() {
    let upward = upward_imports();
    let new: Vec<_> = upward
        .iter()
        .filter(|(from, to, _)| !KNOWN_UPWARD.contains(&(from.as_str(), to.as_str())))
        .map(|(from, to, file)| format!("{from} -> {to} ({})", file.display()))
        .collect();
    assert!(
        new.is_empty(),
        "these imports point up the layer stack; move the shared piece down instead:\n{}",
        new.join("\n")
    );
    let gone: Vec<_> = KNOWN_UPWARD
        .iter()
        .filter(|(from, to)| !upward.iter().any(|(f, t, _)| f == from && t == to))
        .collect();
    assert!(
        gone.is_empty(),
        "no longer imported, so remove them from KNOWN_UPWARD: {gone:?}"
    );
}

#[test]
fn the_reader_sees_paths_in_code_and_not_in_comments() {
    let code =
        "use crate::session::{A, B};\nlet x = crate::app::f(); // crate::ui\n/// crate::chat\n";
    let found = imports(code);
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["app", "session"],
        "doc comments and trailing comments are not imports"
    );
}
