//! A socket's client events, decoded by socketioxide's typed extractors, kept in order until the
//! tab starts, then turned into tab commands; bad payloads get an `error` event naming the shape.

use std::sync::{Mutex, PoisonError, Weak};

use serde_json::{Map, Value};
use socketioxide::extract::{Event, SocketRef, TryData};

use crate::chat::{Element, Message};
use crate::protocol::{ClientEvent, ClientMessage, MESSAGE_SHAPE};
use crate::tab::Tab;

/// One client event, decoded.
pub(super) enum Incoming {
    Ready,
    Message(ClientEvent, Result<ClientMessage, String>),
    Stop,
    Clear,
    Settings(ClientEvent, Result<Map<String, Value>, String>),
    Window(Value),
    Favorites,
    Unknown(String),
}

/// Where a socket's events go. The handlers are registered by the connect middleware, before
/// socketioxide answers the client's CONNECT, so no event can arrive without one; events that
/// come before the tab exists wait here, in order, and the tab takes them when it starts.
#[derive(Default)]
pub(super) struct Slot {
    /// The tab, held weakly: the socket keeps its handlers (and so this slot) until it is
    /// freed, and a strong reference would keep socket and tab alive for each other forever.
    pub(super) tab: Option<Weak<Tab>>,
    pub(super) pending: Vec<Incoming>,
    /// The socket left before its tab started.
    pub(super) gone: bool,
}

/// Registers a handler for each client event chainrs handles, and a fallback for the others.
pub(super) fn register(socket: &SocketRef, slot: &std::sync::Arc<Mutex<Slot>>) {
    for event in ClientEvent::ALL {
        let slot = slot.clone();
        match event {
            ClientEvent::ClientMessage | ClientEvent::EditMessage => {
                socket.on(
                    event.name(),
                    move |TryData(data): TryData<ClientMessage>| {
                        let message = data.map_err(|e| format!("{e}: {MESSAGE_SHAPE}"));
                        route(&slot, Incoming::Message(event, message));
                        async {}
                    },
                );
            }
            ClientEvent::ChatSettingsChange | ClientEvent::ChatSettingsEdit => {
                socket.on(
                    event.name(),
                    move |TryData(data): TryData<Map<String, Value>>| {
                        let settings = data.map_err(|_| {
                            format!("{} takes an object of widget ids to values", event.name())
                        });
                        route(&slot, Incoming::Settings(event, settings));
                        async {}
                    },
                );
            }
            ClientEvent::WindowMessage => {
                socket.on(event.name(), move |TryData(data): TryData<Value>| {
                    route(&slot, Incoming::Window(data.unwrap_or(Value::Null)));
                    async {}
                });
            }
            ClientEvent::ConnectionSuccessful
            | ClientEvent::Stop
            | ClientEvent::ClearSession
            | ClientEvent::FetchFavorites => {
                let incoming = match event {
                    ClientEvent::ConnectionSuccessful => || Incoming::Ready,
                    ClientEvent::Stop => || Incoming::Stop,
                    ClientEvent::ClearSession => || Incoming::Clear,
                    _ => || Incoming::Favorites,
                };
                socket.on(event.name(), move || {
                    route(&slot, incoming());
                    async {}
                });
            }
        }
    }
    let fallback = slot.clone();
    socket.on_fallback(move |Event(event): Event| {
        route(&fallback, Incoming::Unknown(event));
        async {}
    });
}

/// Routes an event to the tab, or keeps it until the tab starts.
fn route(slot: &Mutex<Slot>, incoming: Incoming) {
    let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
    match slot.tab.as_ref().map(Weak::upgrade) {
        Some(Some(tab)) => dispatch(&tab, incoming),
        Some(None) => {}
        None => slot.pending.push(incoming),
    }
}

/// Hands one client event to the tab. Refusals reach the client as `error` events (the tab
/// sends them); nothing here waits for a command to be carried out.
pub(super) fn dispatch(tab: &Tab, incoming: Incoming) {
    let _ = match incoming {
        Incoming::Ready => Ok(tab.connection_successful()),
        Incoming::Message(event, Ok(message)) => tab.message(event, user_message(message)),
        Incoming::Message(event, Err(why)) => {
            let _ = tab.report(event.name(), why);
            return;
        }
        Incoming::Stop => tab.stop(),
        Incoming::Clear => Ok(tab.clear()),
        Incoming::Settings(ClientEvent::ChatSettingsEdit, Ok(draft)) => tab.settings_edit(draft),
        Incoming::Settings(_, Ok(settings)) => tab.settings(settings),
        Incoming::Settings(event, Err(why)) => {
            let _ = tab.report(event.name(), why);
            return;
        }
        Incoming::Window(value) => tab.window_message(value),
        Incoming::Favorites => {
            tracing::debug!(target: "chainrs::socket", parent: &tab.session.span, "fetch_favorites: no data layer, nothing to send");
            return;
        }
        Incoming::Unknown(event) => {
            let handled = ClientEvent::listed();
            let _ = tab.report(
                &event,
                format!("unknown event `{event}`: chainrs handles {handled}"),
            );
            return;
        }
    };
}

/// The user's message as a handler receives it; the files it refers to are resolved by the tab.
fn user_message(payload: ClientMessage) -> Message {
    let ClientMessage {
        message: wire,
        file_references,
    } = payload;
    let mut message = Message::from_user(wire.output);
    message.elements = file_references
        .unwrap_or_default()
        .iter()
        .map(|reference| Element::file_reference(&reference.id))
        .collect();
    message.id = wire.id;
    if let Some(created) = wire.created_at {
        message.created_at = created;
    }
    if let Some(metadata) = wire.metadata {
        message.metadata = metadata;
    }
    message.command = wire.command.filter(|c| !c.is_empty());
    message.modes = wire.modes.unwrap_or_default();
    message
}
