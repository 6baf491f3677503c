//! An element as it travels on the wire (Chainlit's `ElementDict`): an image, a file, a text,
//! a plot… shown under a message, in the side panel or on its own page. Only the shape lives here.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// What kind of element it is: how the web client renders it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ElementKind {
    /// A picture.
    Image,
    /// A text, fetched and shown (with syntax highlighting when it has a language).
    Text,
    /// A PDF document, optionally opened at a page.
    Pdf,
    /// A task list (`{status, tasks}` as JSON).
    Tasklist,
    /// A sound.
    Audio,
    /// A video.
    Video,
    /// A file to download.
    #[default]
    File,
    /// A Plotly figure (its JSON).
    Plotly,
    /// A table (`{columns, index, data}` as JSON, pandas' "split" layout).
    Dataframe,
    /// An app-defined component (`public/elements/<name>.jsx`) rendered with `props`.
    Custom,
}

impl ElementKind {
    /// The kind a file of this MIME type is shown as (Chainlit's `infer_type_from_mime`).
    pub fn from_mime(mime: &str) -> Self {
        if mime.contains("image") {
            ElementKind::Image
        } else if mime == "application/pdf" {
            ElementKind::Pdf
        } else if mime.contains("audio") {
            ElementKind::Audio
        } else if mime.contains("video") {
            ElementKind::Video
        } else {
            ElementKind::File
        }
    }
}

/// Where the client shows an element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Display {
    /// Under the message it belongs to.
    #[default]
    Inline,
    /// In the side panel, opened from a link where the message's text names it.
    Side,
    /// On a page of its own, opened from a link where the message's text names it.
    Page,
}

/// How large the client draws an image, video or plot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElementSize {
    /// Small.
    Small,
    /// Medium.
    Medium,
    /// Large.
    Large,
}

/// An element on the wire. Content the app sent is served at `GET /project/file/{chainlitKey}`;
/// content hosted elsewhere has a `url`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElementDict {
    /// The element's id.
    pub id: Uuid,
    /// The thread it belongs to.
    #[serde(default)]
    pub thread_id: Option<Uuid>,
    /// What kind of element it is.
    #[serde(rename = "type", default)]
    pub kind: ElementKind,
    /// Where the content is, when hosted elsewhere.
    #[serde(default)]
    pub url: Option<String>,
    /// The id of the content in the session's files.
    #[serde(default)]
    pub chainlit_key: Option<String>,
    /// The name (a message's text that contains it links to side and page elements).
    #[serde(default)]
    pub name: String,
    /// Where it is shown.
    #[serde(default)]
    pub display: Display,
    /// The key of the content in object storage, if any.
    #[serde(default)]
    pub object_key: Option<String>,
    /// How large it is drawn.
    #[serde(default)]
    pub size: Option<ElementSize>,
    /// A custom element's properties.
    #[serde(default)]
    pub props: Option<Map<String, Value>>,
    /// The page a PDF opens at.
    #[serde(default)]
    pub page: Option<u32>,
    /// Whether a sound starts playing by itself.
    #[serde(default)]
    pub auto_play: Option<bool>,
    /// A video player's settings.
    #[serde(default)]
    pub player_config: Option<Value>,
    /// A text's language, for syntax highlighting.
    #[serde(default)]
    pub language: Option<String>,
    /// The message it belongs to.
    #[serde(default)]
    pub for_id: Option<Uuid>,
    /// The content's MIME type.
    #[serde(default)]
    pub mime: Option<String>,
}

impl ElementDict {
    /// An element of `kind` named `name`, shown inline, with a new id.
    pub fn new(kind: ElementKind, name: impl Into<String>) -> Self {
        ElementDict {
            id: Uuid::new_v4(),
            thread_id: None,
            kind,
            url: None,
            chainlit_key: None,
            name: name.into(),
            display: Display::Inline,
            object_key: None,
            size: None,
            props: None,
            page: None,
            auto_play: None,
            player_config: None,
            language: None,
            for_id: None,
            mime: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn it_writes_every_field_chainlit_writes_even_when_empty() {
        let value =
            serde_json::to_value(ElementDict::new(ElementKind::Image, "cat")).expect("json");
        let mut keys: Vec<&str> = value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "autoPlay",
                "chainlitKey",
                "display",
                "forId",
                "id",
                "language",
                "mime",
                "name",
                "objectKey",
                "page",
                "playerConfig",
                "props",
                "size",
                "threadId",
                "type",
                "url"
            ]
        );
        assert_eq!(value["type"], json!("image"));
        assert_eq!(value["display"], json!("inline"));
    }

    #[test]
    fn kinds_follow_the_mime_type_as_in_chainlit() {
        let cases = [
            ("image/png", ElementKind::Image),
            ("application/pdf", ElementKind::Pdf),
            ("audio/mpeg", ElementKind::Audio),
            ("video/mp4", ElementKind::Video),
            ("text/csv", ElementKind::File),
        ];
        for (mime, kind) in cases {
            assert_eq!(ElementKind::from_mime(mime), kind, "{mime}");
        }
    }

    #[test]
    fn a_custom_element_from_the_client_reads_back() {
        let id = Uuid::new_v4();
        let read: ElementDict = serde_json::from_value(json!({
            "id": id, "type": "custom", "name": "Counter", "display": "inline",
            "props": {"count": 2}, "forId": null, "url": null
        }))
        .expect("valid");
        assert_eq!((read.id, read.kind), (id, ElementKind::Custom));
        assert_eq!(
            read.props.and_then(|p| p.get("count").cloned()),
            Some(json!(2))
        );
    }
}
