//! The compile-fail suite: every misuse of the chainrs attributes and of `App::register` must be
//! a compile error that points at the offending token and names the fix, and every supported
//! use must compile lint-clean.
//!
//! Fixtures live in `ui/<macro>/{pass,fail}/<case>.rs`, one case per file, with the expected
//! compiler output of each failing case next to it in `<case>.stderr`. Regenerate those with
//! `TRYBUILD=overwrite cargo test -p chainrs-tests --test compile_fail`, then read every one.

/// Compiles every fixture: `pass` ones must build (and run) cleanly, `fail` ones must fail with
/// exactly the recorded diagnostics.
#[test]
fn ui() {
    // Globs resolve against the current directory, which `cargo test` sets to this package's
    // directory (CARGO_MANIFEST_DIR).
    let t = trybuild::TestCases::new();
    t.pass("ui/*/pass/*.rs");
    t.compile_fail("ui/*/fail/*.rs");
}
