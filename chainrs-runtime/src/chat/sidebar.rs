//! The element side panel of the chat tab (Chainlit's `ElementSidebar`): a title and a set
//! of elements the app opens, replaces or closes at any time.

use super::{Element, chat_of};
use crate::context;
use crate::error::{Error, Result};
use crate::protocol::{ElementDict, ServerEvent};

/// The side panel of the current chat tab.
///
/// ```no_run
/// # use chainrs::prelude::*;
/// # async fn demo() -> chainrs::Result<()> {
/// ElementSidebar::set_title("Sources").await?;
/// ElementSidebar::set_elements(vec![Element::text("notes").content("…")], None).await?;
/// ElementSidebar::close().await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ElementSidebar;

impl ElementSidebar {
    /// Sets the panel's title.
    pub async fn set_title(title: impl Into<String>) -> Result<()> {
        chat_of("ElementSidebar::set_title")?
            .emit(ServerEvent::SetSidebarTitle(title.into()))
            .await
    }

    /// Opens the panel showing `elements` (their content stored in the session's files first).
    /// `key` names this set: the client keeps the panel's state while the key stays the same.
    pub async fn set_elements(elements: Vec<Element>, key: Option<String>) -> Result<()> {
        let api = "ElementSidebar::set_elements";
        let cx = context::current().ok_or(Error::NoContext { api })?;
        let emitter = cx.chat.clone().ok_or(Error::NoChat { api })?;
        let mut dicts: Vec<ElementDict> = Vec::with_capacity(elements.len());
        for mut element in elements {
            element.store(&cx).await?;
            dicts.push(element.to_dict().clone());
        }
        emitter
            .emit(ServerEvent::SetSidebarElements {
                elements: dicts,
                key,
            })
            .await
    }

    /// Closes the panel (an empty set of elements).
    pub async fn close() -> Result<()> {
        chat_of("ElementSidebar::close")?
            .emit(ServerEvent::SetSidebarElements {
                elements: Vec::new(),
                key: None,
            })
            .await
    }
}
