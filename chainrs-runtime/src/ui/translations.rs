//! The strings of the page, by language: chainrs's own `en-US` set (written for chainrs under
//! the keys Chainlit's web UI reads), and the app's translation folder for other languages.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde_json::Value;

use crate::error::{Error, Result};

const EN_US_TEXT: &str = include_str!("translations/en-US.json");

/// The language every lookup ends at.
pub(crate) const DEFAULT_LANGUAGE: &str = "en-US";

static EN_US: LazyLock<Value> = LazyLock::new(|| {
    // Written in this crate and checked by a unit test: it always parses.
    serde_json::from_str(EN_US_TEXT).unwrap_or_else(|_| Value::Object(Default::default()))
});

/// Whether `tag` is a language tag the lookup accepts, as Chainlit's: a 2-3 letter language,
/// an optional 2-4 character region or script, an optional 2-8 character variant, and an
/// optional `-x-` private part (`en`, `pt-BR`, `zh-Hant-TW`). Nothing else reaches the disk.
pub(crate) fn is_language_tag(tag: &str) -> bool {
    let (main, private) = match tag.split_once("-x-") {
        Some((main, private)) => (main, Some(private)),
        None => (tag, None),
    };
    if let Some(private) = private
        && !((1..=8).contains(&private.len()) && private.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return false;
    }
    let mut parts = main.split('-');
    let language = parts.next().unwrap_or_default();
    if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    let alnum = |part: &str, sizes: std::ops::RangeInclusive<usize>| {
        sizes.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    match (parts.next(), parts.next(), parts.next()) {
        (None, _, _) => true,
        (Some(part), None, _) => alnum(part, 2..=8),
        (Some(region), Some(variant), None) => alnum(region, 2..=4) && alnum(variant, 2..=8),
        _ => false,
    }
}

/// The translation for `language`: the folder's exact file (`pt-BR.json`), else its parent
/// language's (`pt.json`), else the folder's `en-US.json`, else chainrs's own `en-US`. The file
/// found is laid over chainrs's English, so a key it lacks shows in English rather than as
/// its name. A file that is not a JSON object is logged and skipped, so the page still renders.
pub(crate) async fn lookup(dir: Option<&Path>, language: &str) -> Result<Value> {
    if !is_language_tag(language) {
        return Err(Error::Unprocessable(format!(
            "language {language:?} is not a language tag such as en-US or pt-BR"
        )));
    }
    let Some(dir) = dir else {
        return Ok(EN_US.clone());
    };
    let parent = language.split('-').next().unwrap_or(language);
    for candidate in [language, parent, DEFAULT_LANGUAGE] {
        if let Some(found) = read(&dir.join(format!("{candidate}.json"))).await {
            if candidate != language {
                tracing::debug!(target: "chainrs::ui", language, used = candidate, "no translation file for the language; using a fallback");
            }
            let mut merged = EN_US.clone();
            overlay(&mut merged, found);
            return Ok(merged);
        }
    }
    Ok(EN_US.clone())
}

/// `top` laid over `base`: objects merge key by key, anything else replaces.
fn overlay(base: &mut Value, top: Value) {
    match (base, top) {
        (Value::Object(base), Value::Object(top)) => {
            for (key, value) in top {
                match base.get_mut(&key) {
                    Some(slot) => overlay(slot, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (slot, top) => *slot = top,
    }
}

async fn read(path: &PathBuf) -> Option<Value> {
    let text = tokio::fs::read_to_string(path).await.ok()?;
    match serde_json::from_str::<Value>(&text) {
        Ok(value @ Value::Object(_)) => Some(value),
        Ok(_) => {
            tracing::error!(target: "chainrs::ui", file = %path.display(), "translation file is not a JSON object; skipped");
            None
        }
        Err(err) => {
            tracing::error!(target: "chainrs::ui", file = %path.display(), error = %err, "translation file is not valid JSON; skipped");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_strings_parse_and_fill_every_section() {
        let parsed: Value = serde_json::from_str(EN_US_TEXT).expect("en-US.json parses");
        for section in [
            "common",
            "auth",
            "chat",
            "threadHistory",
            "navigation",
            "apiKeys",
            "alerts",
            "components",
        ] {
            assert!(parsed[section].is_object(), "{section} missing");
        }
        assert_eq!(*EN_US, parsed);
    }

    #[test]
    fn a_partial_file_keeps_english_for_what_it_lacks() {
        let mut merged = serde_json::json!({ "a": { "x": "1", "y": "2" }, "b": "3" });
        overlay(
            &mut merged,
            serde_json::json!({ "a": { "y": "zwei", "z": "neu" }, "b": { "deep": "4" } }),
        );
        assert_eq!(
            merged,
            serde_json::json!({ "a": { "x": "1", "y": "zwei", "z": "neu" }, "b": { "deep": "4" } })
        );
    }

    #[test]
    fn language_tags_are_checked_before_any_path_is_built() {
        for good in [
            "en",
            "en-US",
            "pt-BR",
            "zh-Hant",
            "zh-Hant-TW",
            "de-x-formal",
            "gsw",
        ] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in [
            "",
            "e",
            "english",
            "../en",
            "en/../../etc",
            "en-",
            "en-US-",
            "en-U",
            "1a",
            "en-US-a-b",
            "en-x-",
            "en.json",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
