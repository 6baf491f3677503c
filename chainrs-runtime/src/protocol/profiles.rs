//! Chat profiles on the wire: the assistants one app offers (`chatProfiles` in
//! `/project/settings`). The page picks one before it opens the socket and names it in the
//! handshake (`chatProfile`); picking another starts a new chat.

use serde::{Deserialize, Deserializer, Serialize};

use super::Starter;

/// One of the assistants an app offers: what the profile picker shows, and what the chat's
/// hooks receive as their `ChatProfile` parameter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatProfile {
    /// Its name: what the handshake names, unique among the app's profiles.
    pub name: String,
    /// What the picker says of it, in Markdown.
    #[serde(default)]
    pub markdown_description: String,
    /// Its icon (and the assistant's avatar in its chats): a URL, or `/public/...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// The name shown instead of `name`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether the page picks it first (else the first profile is).
    #[serde(default)]
    pub default: bool,
    /// Its own starters, shown instead of the app's on an empty chat with this profile.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starters: Vec<Starter>,
}

impl ChatProfile {
    /// A profile with its name and its Markdown description.
    pub fn new(name: impl Into<String>, markdown_description: impl Into<String>) -> Self {
        ChatProfile {
            name: name.into(),
            markdown_description: markdown_description.into(),
            icon: None,
            display_name: None,
            default: false,
            starters: Vec::new(),
        }
    }

    /// With an icon (a URL, or `/public/...`).
    pub fn icon(mut self, icon: impl Into<String>) -> Self {
        self.icon = Some(icon.into());
        self
    }

    /// Shown as `display_name` instead of its name.
    pub fn display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = Some(display_name.into());
        self
    }

    /// Picked first by the page.
    pub fn default_profile(mut self) -> Self {
        self.default = true;
        self
    }

    /// With `starter` among its own starters.
    pub fn starter(mut self, starter: Starter) -> Self {
        self.starters.push(starter);
        self
    }

    /// The profile a chat gets from `offered` when its client asked for `requested` (a name,
    /// or nothing): that one, else the one marked default, else the first; `None` when nothing
    /// is offered. A name that is not offered is an error naming what is.
    pub(crate) fn choose(
        mut offered: Vec<ChatProfile>,
        requested: Option<&str>,
    ) -> Result<Option<ChatProfile>, String> {
        if offered.is_empty() {
            return Ok(None);
        }
        let at = match requested.filter(|name| !name.is_empty()) {
            Some(name) => offered.iter().position(|p| p.name == name).ok_or_else(|| {
                let names: Vec<String> = offered.iter().map(|p| format!("{:?}", p.name)).collect();
                format!(
                    "the chat profile {name:?} is not offered to this user; the app offers {}",
                    names.join(", ")
                )
            })?,
            None => offered.iter().position(|p| p.default).unwrap_or(0),
        };
        Ok(Some(offered.swap_remove(at)))
    }
}

/// A session's profile as its facts keep it: the profile, or (as sessions kept it before
/// profiles were typed) only its name.
pub(crate) fn kept_profile<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<ChatProfile>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Kept {
        Profile(ChatProfile),
        Name(String),
    }
    Ok(match Option::<Kept>::deserialize(d)? {
        Some(Kept::Profile(profile)) => Some(profile),
        Some(Kept::Name(name)) => Some(ChatProfile::new(name, "")),
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn profiles_have_chainlits_fields() {
        let plain = ChatProfile::new("Echo", "Says it **back**");
        assert_eq!(
            serde_json::to_value(&plain).expect("json"),
            json!({"name": "Echo", "markdown_description": "Says it **back**", "default": false})
        );
        let full = plain
            .icon("/public/echo.svg")
            .display_name("The echo")
            .default_profile()
            .starter(Starter::new("Hi", "hello"));
        assert_eq!(
            serde_json::to_value(&full).expect("json"),
            json!({"name": "Echo", "markdown_description": "Says it **back**", "icon": "/public/echo.svg",
                   "display_name": "The echo", "default": true,
                   "starters": [{"label": "Hi", "message": "hello"}]})
        );
        let back: ChatProfile =
            serde_json::from_value(serde_json::to_value(&full).expect("json")).expect("read back");
        assert_eq!(back, full);
    }

    #[test]
    fn a_chat_gets_the_named_then_the_default_then_the_first_profile() {
        let offered = || {
            vec![
                ChatProfile::new("a", ""),
                ChatProfile::new("b", "").default_profile(),
                ChatProfile::new("c", ""),
            ]
        };
        let name = |p: Result<Option<ChatProfile>, String>| p.expect("chosen").map(|p| p.name);
        assert_eq!(
            name(ChatProfile::choose(offered(), Some("c"))).as_deref(),
            Some("c")
        );
        assert_eq!(
            name(ChatProfile::choose(offered(), None)).as_deref(),
            Some("b")
        );
        assert_eq!(
            name(ChatProfile::choose(offered(), Some(""))).as_deref(),
            Some("b")
        );
        let no_default = vec![ChatProfile::new("a", ""), ChatProfile::new("c", "")];
        assert_eq!(
            name(ChatProfile::choose(no_default, None)).as_deref(),
            Some("a")
        );
        assert_eq!(ChatProfile::choose(Vec::new(), Some("a")), Ok(None));
        let refused = ChatProfile::choose(offered(), Some("root")).expect_err("not offered");
        assert!(
            refused.contains("\"root\"") && refused.contains("\"a\", \"b\", \"c\""),
            "{refused}"
        );
    }

    #[test]
    fn a_profile_kept_as_a_name_reads_back() {
        #[derive(Deserialize)]
        struct Facts {
            #[serde(default, deserialize_with = "kept_profile")]
            chat_profile: Option<ChatProfile>,
        }
        let read = |v: serde_json::Value| {
            serde_json::from_value::<Facts>(v)
                .expect("facts")
                .chat_profile
        };
        assert_eq!(
            read(json!({"chat_profile": "Echo"})),
            Some(ChatProfile::new("Echo", ""))
        );
        assert_eq!(read(json!({"chat_profile": null})), None);
        assert_eq!(read(json!({})), None);
        assert_eq!(
            read(
                json!({"chat_profile": {"name": "Echo", "markdown_description": "x", "default": true}})
            ),
            Some(ChatProfile::new("Echo", "x").default_profile())
        );
    }
}
