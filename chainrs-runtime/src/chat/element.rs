//! Elements: images, files, texts, PDFs, sounds, videos, tables, plots and custom components
//! shown with a message, in the side panel or on a page. Content comes from bytes, a path or a URL.

use std::path::PathBuf;

use axum::body::Bytes;
use futures_util::StreamExt;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::context::{self, Context};
use crate::error::{Error, Result};
use crate::files::{FileChunks, FileError, FileInfo, chunks_of};
use crate::protocol::{Display, ElementDict, ElementKind, ElementSize, ServerEvent};

/// Where an element's content comes from, until it is sent.
#[derive(Clone, Debug, PartialEq)]
enum Content {
    /// Nothing (yet): a URL element, or one already stored.
    None,
    /// Bytes in memory.
    Bytes(Bytes),
    /// A file on this machine, read when the element is sent.
    Path(PathBuf),
}

/// Something shown with a message: build it with the constructor of its kind, give it content
/// (`bytes`, `text`, `path` or `url`), then attach it with
/// [`Message::with_element`](super::Message::with_element) or [`send`](Self::send) it.
///
/// ```no_run
/// # use chainrs::prelude::*;
/// # async fn demo(png: Vec<u8>) -> chainrs::Result<()> {
/// Message::new("Here is the chart, and the data behind it is in data.csv")
///     .with_element(Element::image("chart").bytes(png).size(ElementSize::Large))
///     .with_element(Element::file("data.csv").content("a,b\n1,2\n").display(Display::Side))
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    dict: ElementDict,
    content: Content,
}

impl Element {
    /// An element of `kind` named `name`, shown inline, with no content yet.
    pub fn new(kind: ElementKind, name: impl Into<String>) -> Self {
        Element {
            dict: ElementDict::new(kind, name),
            content: Content::None,
        }
    }

    /// A picture (drawn medium-sized unless told otherwise).
    pub fn image(name: impl Into<String>) -> Self {
        Element::new(ElementKind::Image, name).size(ElementSize::Medium)
    }

    /// A text the client fetches and shows, highlighted when it has a [`language`](Self::language).
    pub fn text(name: impl Into<String>) -> Self {
        Element::new(ElementKind::Text, name).mime("text/plain")
    }

    /// A PDF document.
    pub fn pdf(name: impl Into<String>) -> Self {
        Element::new(ElementKind::Pdf, name).mime("application/pdf")
    }

    /// A sound.
    pub fn audio(name: impl Into<String>) -> Self {
        Element::new(ElementKind::Audio, name)
    }

    /// A video (drawn medium-sized unless told otherwise).
    pub fn video(name: impl Into<String>) -> Self {
        Element::new(ElementKind::Video, name).size(ElementSize::Medium)
    }

    /// A file to download.
    pub fn file(name: impl Into<String>) -> Self {
        Element::new(ElementKind::File, name)
    }

    /// A Plotly figure, from its JSON (`{"data": [...], "layout": {...}}`).
    pub fn plotly(name: impl Into<String>, figure: Value) -> Self {
        Element::new(ElementKind::Plotly, name)
            .size(ElementSize::Medium)
            .mime("application/json")
            .content_bytes(figure.to_string())
    }

    /// A table of `columns` and `rows` (each row a list of cells).
    pub fn dataframe<C, R>(name: impl Into<String>, columns: C, rows: R) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
        R: IntoIterator<Item = Vec<Value>>,
    {
        let columns: Vec<String> = columns.into_iter().map(Into::into).collect();
        let data: Vec<Vec<Value>> = rows.into_iter().collect();
        let index: Vec<usize> = (0..data.len()).collect();
        let table = json!({ "columns": columns, "index": index, "data": data });
        Element::new(ElementKind::Dataframe, name)
            .size(ElementSize::Large)
            .mime("application/json")
            .content_bytes(table.to_string())
    }

    /// An app-defined component, `public/elements/<name>.jsx`, rendered with `props`; the
    /// client may change them (`PUT /project/element`), and [`update`](Self::update) resends them.
    pub fn custom(name: impl Into<String>, props: Map<String, Value>) -> Self {
        let mut element = Element::new(ElementKind::Custom, name).mime("application/json");
        element.content = Content::Bytes(Value::Object(props.clone()).to_string().into());
        element.dict.props = Some(props);
        element
    }

    fn content_bytes(mut self, bytes: impl Into<Bytes>) -> Self {
        self.content = Content::Bytes(bytes.into());
        self
    }

    /// Keeps the element's id (a new one by default): sending an element of the same id again
    /// replaces it on the page.
    pub fn with_id(mut self, id: Uuid) -> Self {
        self.dict.id = id;
        self
    }

    /// The content, as bytes.
    pub fn bytes(self, bytes: impl Into<Bytes>) -> Self {
        self.content_bytes(bytes)
    }

    /// The content, as text (UTF-8).
    pub fn content(self, text: impl Into<String>) -> Self {
        self.content_bytes(text.into())
    }

    /// The content, read from a file on this machine when the element is sent.
    pub fn path(mut self, path: impl Into<PathBuf>) -> Self {
        self.content = Content::Path(path.into());
        self
    }

    /// The content, hosted elsewhere: the client loads it from `url`.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.dict.url = Some(url.into());
        self.content = Content::None;
        self
    }

    /// Where it is shown (inline under its message by default).
    pub fn display(mut self, display: Display) -> Self {
        self.dict.display = display;
        self
    }

    /// How large an image, video or plot is drawn.
    pub fn size(mut self, size: ElementSize) -> Self {
        self.dict.size = Some(size);
        self
    }

    /// A text's language, for syntax highlighting (`"rust"`, `"json"`).
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.dict.language = Some(language.into());
        self
    }

    /// The page a PDF opens at.
    pub fn page(mut self, page: u32) -> Self {
        self.dict.page = Some(page);
        self
    }

    /// The content's MIME type (guessed from the name when not given).
    pub fn mime(mut self, mime: impl Into<String>) -> Self {
        self.dict.mime = Some(mime.into());
        self
    }

    /// Whether a sound starts playing by itself.
    pub fn auto_play(mut self, auto_play: bool) -> Self {
        self.dict.auto_play = Some(auto_play);
        self
    }

    /// A video player's settings (react-player's `config`).
    pub fn player_config(mut self, config: Value) -> Self {
        self.dict.player_config = Some(config);
        self
    }

    /// The element's id.
    pub fn id(&self) -> Uuid {
        self.dict.id
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.dict.name
    }

    /// Its kind.
    pub fn kind(&self) -> ElementKind {
        self.dict.kind
    }

    /// Its MIME type, when known.
    pub fn mime_type(&self) -> Option<&str> {
        self.dict.mime.as_deref()
    }

    /// A custom element's properties (as the client last set them, for one it changed).
    pub fn props(&self) -> Option<&Map<String, Value>> {
        self.dict.props.as_ref()
    }

    /// Changes a custom element's properties; [`update`](Self::update) shows them.
    pub fn set_props(&mut self, props: Map<String, Value>) {
        self.content = Content::Bytes(Value::Object(props.clone()).to_string().into());
        self.dict.props = Some(props);
    }

    /// The element as it goes on the wire.
    pub fn to_dict(&self) -> &ElementDict {
        &self.dict
    }

    /// An element from its wire shape (content, if any, is in the session's files).
    pub fn from_dict(dict: ElementDict) -> Self {
        Element {
            dict,
            content: Content::None,
        }
    }

    /// An element for a file of the session (an upload): its kind follows the MIME type.
    pub(crate) fn from_file(info: &FileInfo) -> Self {
        let mut dict = ElementDict::new(ElementKind::from_mime(&info.mime), info.name.clone());
        dict.id = info.id;
        dict.chainlit_key = Some(info.id.to_string());
        dict.mime = Some(info.mime.clone());
        Element {
            dict,
            content: Content::None,
        }
    }

    /// A reference to the uploaded file `id`, as an incoming message names it; the tab
    /// resolves it against the session's files before the handler sees it.
    pub(crate) fn file_reference(id: &str) -> Self {
        let mut dict = ElementDict::new(ElementKind::File, "");
        dict.chainlit_key = Some(id.to_owned());
        Element::from_dict(dict)
    }

    /// The uploaded file an incoming message refers to, if it names one.
    pub(crate) fn referenced_file(&self) -> Option<Uuid> {
        self.dict
            .chainlit_key
            .as_deref()
            .and_then(|key| Uuid::parse_str(key).ok())
    }

    /// Sets the message the element belongs to.
    pub(crate) fn belonging_to(mut self, for_id: Uuid) -> Self {
        self.dict.for_id = Some(for_id);
        self
    }

    /// Sends the element to the current chat tab, under the message `for_id` (or on its own),
    /// storing its content in the session's files first. Returns it as sent.
    pub async fn send(mut self, for_id: Option<Uuid>) -> Result<Element> {
        let cx = context::current().ok_or(Error::NoContext {
            api: "Element::send",
        })?;
        let emitter = cx.chat.clone().ok_or(Error::NoChat {
            api: "Element::send",
        })?;
        self.dict.for_id = for_id;
        self.store(&cx).await?;
        emitter
            .emit(ServerEvent::Element(self.dict.clone()))
            .await?;
        Ok(self)
    }

    /// Shows the element's changes (a custom element's new props, new content) in the tab.
    pub async fn update(&mut self) -> Result<()> {
        let sent = self.clone().send(self.dict.for_id).await?;
        *self = sent;
        Ok(())
    }

    /// Removes the element from the tab.
    pub async fn remove(self) -> Result<()> {
        let api = "Element::remove";
        let cx = context::current().ok_or(Error::NoContext { api })?;
        let emitter = cx.chat.ok_or(Error::NoChat { api })?;
        emitter
            .emit(ServerEvent::RemoveElement { id: self.dict.id })
            .await
    }

    /// Reads the content from the session's files (an upload, or an element this app sent).
    pub async fn read(&self) -> Result<Vec<u8>> {
        let api = "Element::read";
        let cx = context::current().ok_or(Error::NoContext { api })?;
        let Some(key) = self.dict.chainlit_key.as_deref() else {
            return match &self.content {
                Content::Bytes(bytes) => Ok(bytes.to_vec()),
                Content::Path(path) => Ok(tokio::fs::read(path).await?),
                Content::None => Err(Error::BadRequest(format!(
                    "element {:?} has no content in this session's files (it is hosted at its url)",
                    self.dict.name
                ))),
            };
        };
        let id = Uuid::parse_str(key).map_err(|_| {
            Error::BadRequest(format!(
                "element {:?} has a malformed file key",
                self.dict.name
            ))
        })?;
        let Some((_, mut chunks)) = cx.files.open(cx.session.id, id).await.map_err(file_error)?
        else {
            return Err(Error::NotFound(format!(
                "the file of element {:?} is no longer in this session's files",
                self.dict.name
            )));
        };
        let mut out = Vec::new();
        while let Some(chunk) = chunks.next().await {
            out.extend_from_slice(&chunk.map_err(file_error)?);
        }
        Ok(out)
    }

    /// Puts the content (bytes or a path) in the session's files and keys the element to it.
    pub(super) async fn store(&mut self, cx: &Context) -> Result<()> {
        self.dict.thread_id = Some(cx.session.thread_id());
        let content = std::mem::replace(&mut self.content, Content::None);
        let chunks: FileChunks<'static> = match &content {
            Content::None => {
                if self.dict.url.is_none() && self.dict.chainlit_key.is_none() {
                    return Err(Error::BadRequest(format!(
                        "element {:?} has no content: give it bytes, text, a path or a url",
                        self.dict.name
                    )));
                }
                return Ok(());
            }
            Content::Bytes(bytes) => chunks_of(bytes.clone()),
            Content::Path(path) => {
                let bytes = tokio::fs::read(path).await.map_err(|e| {
                    Error::BadRequest(format!(
                        "element {:?} reads {}: {e}",
                        self.dict.name,
                        path.display()
                    ))
                })?;
                if self.dict.name.is_empty() {
                    self.dict.name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                }
                chunks_of(bytes)
            }
        };
        let mime = self
            .dict
            .mime
            .clone()
            .unwrap_or_else(|| guess_mime(&self.dict.name, &content).to_owned());
        self.dict.mime = Some(mime.clone());
        let id = Uuid::new_v4();
        let info = FileInfo {
            id,
            session: cx.session.id,
            name: self.dict.name.clone(),
            mime,
            size: 0,
        };
        cx.files.put(info, chunks).await.map_err(file_error)?;
        self.dict.chainlit_key = Some(id.to_string());
        self.dict.url = None;
        // A later update stores the content again only when it changed.
        if self.dict.kind != ElementKind::Custom {
            self.content = Content::None;
        } else {
            self.content = content;
        }
        Ok(())
    }
}

/// A file store failure as the handler sees it.
pub(crate) fn file_error(err: FileError) -> Error {
    match err {
        FileError::TooLarge { limit } => Error::BadRequest(format!(
            "the element's content is larger than this app's file store keeps ({limit} bytes)"
        )),
        other => Error::Store(other.into()),
    }
}

/// The MIME type of content named `name` (its extension, else its first bytes).
fn guess_mime(name: &str, content: &Content) -> &'static str {
    let by_name = crate::files::mime_of_name(name);
    if by_name != crate::files::UNKNOWN_MIME {
        return by_name;
    }
    match content {
        Content::Bytes(bytes) => crate::files::mime_of_bytes(bytes),
        _ => by_name,
    }
}
