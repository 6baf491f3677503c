//! Which files an upload takes, as Chainlit writes it in `spontaneous_file_upload` and in a
//! file ask's spec: MIME globs (`["image/*"]`), or MIME globs each with file extensions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The files an upload accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Accept {
    /// MIME type globs: `["image/*", "application/pdf"]`.
    Mime(Vec<String>),
    /// MIME type globs, each with the file extensions it takes (none: any name):
    /// `{"text/plain": [".txt", ".py"]}`.
    Extensions(BTreeMap<String, Vec<String>>),
}

impl Default for Accept {
    /// Any file (`["*/*"]`).
    fn default() -> Self {
        Accept::Mime(vec!["*/*".to_owned()])
    }
}

impl Accept {
    /// Files whose MIME type matches one of `globs`.
    pub fn mime<I, S>(globs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Accept::Mime(globs.into_iter().map(Into::into).collect())
    }

    /// Whether a file named `name` of type `mime` is accepted (globs as `fnmatch`: `*`, `?`;
    /// MIME types and extensions compared without case).
    pub fn allows(&self, mime: &str, name: &str) -> bool {
        let mime = mime.to_ascii_lowercase();
        match self {
            Accept::Mime(globs) => globs.iter().any(|g| glob(&g.to_ascii_lowercase(), &mime)),
            Accept::Extensions(map) => {
                let name = name.to_ascii_lowercase();
                map.iter().any(|(g, extensions)| {
                    glob(&g.to_ascii_lowercase(), &mime)
                        && (extensions.is_empty()
                            || extensions
                                .iter()
                                .any(|e| name.ends_with(&e.to_ascii_lowercase())))
                })
            }
        }
    }

    /// The accepted types, for messages: `image/*, application/pdf`.
    pub fn describe(&self) -> String {
        match self {
            Accept::Mime(globs) => globs.join(", "),
            Accept::Extensions(map) => map
                .iter()
                .map(|(g, e)| {
                    if e.is_empty() {
                        g.clone()
                    } else {
                        format!("{g} ({})", e.join(" "))
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// `*` matches any run of characters, `?` any one; everything else itself.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Iterative matching with one backtrack point for the last `*`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn globs_match_as_fnmatch_does() {
        let any = Accept::default();
        assert!(any.allows("image/png", "a.png"));
        let images = Accept::mime(["image/*"]);
        assert!(images.allows("image/PNG", "a.png"));
        assert!(!images.allows("application/pdf", "a.pdf"));
        assert!(Accept::mime(["application/?df"]).allows("application/pdf", "x"));
        assert!(!Accept::mime(["text/plain"]).allows("text/plainx", "x"));
        assert!(!Accept::mime(Vec::<String>::new()).allows("text/plain", "x"));
    }

    #[test]
    fn an_extension_map_checks_the_name_too() {
        let accept: Accept =
            serde_json::from_value(json!({"text/plain": [".txt", ".py"], "image/*": []}))
                .expect("valid");
        assert!(accept.allows("text/plain", "notes.TXT"));
        assert!(!accept.allows("text/plain", "notes.md"));
        assert!(accept.allows("image/jpeg", "any-name"));
        assert!(!accept.allows("application/pdf", "a.pdf"));
        assert_eq!(accept.describe(), "image/*, text/plain (.txt .py)");
    }

    #[test]
    fn both_shapes_read_and_write_as_chainlit_writes_them() {
        let list: Accept = serde_json::from_value(json!(["image/*"])).expect("list");
        assert_eq!(list, Accept::mime(["image/*"]));
        assert_eq!(
            serde_json::to_value(&list).expect("json"),
            json!(["image/*"])
        );
    }
}
