//! The chat transport: Socket.IO v5 (Engine.IO v4, polling and websocket) at `/ws/socket.io/`,
//! speaking Chainlit's events, on socketioxide. One socket is one chat tab of one session.

mod handshake;
mod message;
mod wire;

use std::sync::{Arc, Mutex, PoisonError, Weak};

use dashmap::DashMap;
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{Event, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use socketioxide::socket::DisconnectReason;
use uuid::Uuid;

use crate::auth::Auth;
use crate::config::Config;
use crate::protocol::ClientEvent;
use crate::session::{Created, Origin, SessionId, SessionMeta, SessionRef};
use crate::tab::{Attach, Tab, Tabs};

use wire::SocketWire;

/// The path the client connects to (`io(url, { path: "/ws/socket.io" })`).
pub(crate) const SOCKET_PATH: &str = "/ws/socket.io";

/// The socket transport of an app: the tabs it drives, the login it checks, and the socket of
/// each session here, so a second socket on one session replaces the first.
pub(crate) struct Transport {
    tabs: Arc<Tabs>,
    auth: Arc<Auth>,
    sockets: DashMap<SessionId, (Uuid, SocketRef)>,
}

/// What the connect middleware admitted, handed to the connect handler.
#[derive(Clone)]
struct Admitted(SessionRef, Arc<Mutex<Slot>>);

/// Where a socket's events go. The handlers are registered by the connect middleware, before
/// socketioxide answers the client's CONNECT, so no event can arrive without one; events that
/// come before the tab exists wait here, in order, and the tab takes them when it starts.
#[derive(Default)]
struct Slot {
    /// The tab, held weakly: the socket keeps its handlers (and so this slot) until it is
    /// freed, and a strong reference would keep socket and tab alive for each other forever.
    tab: Option<Weak<Tab>>,
    pending: Vec<(String, Option<Value>)>,
    /// The socket left before its tab started.
    gone: bool,
}

/// Hands one client event to the tab. Refusals reach the client as `error` events (the tab
/// sends them); nothing here waits for a command to be carried out.
fn dispatch(tab: &Tab, event: &str, data: Option<Value>) {
    let Some(known) = ClientEvent::from_name(event) else {
        let handled = ClientEvent::listed();
        let _ = tab.report(
            event,
            format!("unknown event `{event}`: chainrs handles {handled}"),
        );
        return;
    };
    let _ = match known {
        ClientEvent::ConnectionSuccessful => Ok(tab.connection_successful()),
        ClientEvent::ClientMessage | ClientEvent::EditMessage => {
            match message::parse_message(data) {
                Ok(message) => tab.message(known, message),
                Err(why) => {
                    let _ = tab.report(known.name(), why);
                    return;
                }
            }
        }
        ClientEvent::Stop => tab.stop(),
        ClientEvent::ClearSession => Ok(tab.clear()),
        ClientEvent::ChatSettingsChange => match data {
            Some(Value::Object(settings)) => tab.settings(settings),
            _ => {
                let _ = tab.report(
                    known.name(),
                    "chat_settings_change takes an object of widget ids to values".to_owned(),
                );
                return;
            }
        },
        ClientEvent::WindowMessage => tab.window_message(data.unwrap_or(Value::Null)),
        ClientEvent::FetchFavorites => {
            tracing::debug!(target: "chainrs::socket", parent: &tab.session.span, "fetch_favorites: no data layer, nothing to send");
            return;
        }
    };
}

/// Routes an event to the tab, or keeps it until the tab starts.
fn route(slot: &Mutex<Slot>, event: String, data: Option<Value>) {
    let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
    match slot.tab.as_ref().map(Weak::upgrade) {
        Some(Some(tab)) => dispatch(&tab, &event, data),
        Some(None) => {}
        None => slot.pending.push((event, data)),
    }
}

/// Why a connect was refused; becomes the CONNECT_ERROR message.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Socket.IO layer of an app: add it to the app's router.
pub(crate) fn layer(tabs: Arc<Tabs>, auth: Arc<Auth>, config: &Config) -> SocketIoLayer {
    let (layer, io) = SocketIo::builder()
        .req_path(SOCKET_PATH)
        .max_payload(config.max_payload)
        // The same limit on websocket frames (socketioxide's default there is 64 MB).
        .ws_max_message_size(usize::try_from(config.max_payload).unwrap_or(usize::MAX))
        .ws_max_frame_size(usize::try_from(config.max_payload).unwrap_or(usize::MAX))
        .max_buffer_size(256)
        .build_layer();
    let transport = Arc::new(Transport {
        tabs,
        auth,
        sockets: DashMap::new(),
    });
    let on_connect = {
        let transport = transport.clone();
        move |socket: SocketRef| {
            transport.connected(socket);
            async {}
        }
    };
    let admit = move |socket: SocketRef, TryData(auth): TryData<Value>| {
        let transport = transport.clone();
        async move { transport.admit(socket, auth.ok()).await }
    };
    io.ns("/", on_connect.with(admit));
    layer
}

impl Transport {
    /// The connect middleware: validates the handshake, opens or creates the session.
    async fn admit(
        self: &Arc<Self>,
        socket: SocketRef,
        auth: Option<Value>,
    ) -> Result<(), Refused> {
        let refuse = |why: String| {
            tracing::warn!(target: "chainrs::socket", sid = %socket.id, reason = %why, "connect refused");
            Refused(why)
        };
        let hs = handshake::parse(auth.as_ref()).map_err(&refuse)?;
        let sessions = &self.tabs.sessions;
        // The login comes with the handshake request: the access_token cookie (browsers) or
        // an Authorization header (other clients).
        let user = self
            .auth
            .identify(&socket.req_parts().headers)
            .map_err(|e| refuse(e.to_string()))?;
        if self.auth.login_required() && user.is_none() {
            return Err(refuse(login_required()));
        }
        let session = match sessions.open(hs.session_id).await {
            Ok(Some(session)) => {
                session
                    .check_owner(user.as_ref())
                    .map_err(|e| refuse(e.to_string()))?;
                tracing::info!(target: "chainrs::session", parent: &session.span, client_type = %hs.client_type, "session restored");
                session
            }
            Ok(None) => {
                let mut meta = SessionMeta::new(Origin::Chat, user.clone());
                meta.client_type = hs.client_type.clone();
                meta.env = hs.env.clone();
                meta.chat_profile = hs.chat_profile.clone();
                match sessions.create_with_id(hs.session_id, meta).await {
                    Ok(Created::New(session)) => session,
                    // Two sockets raced to create it: the other one won, join its session.
                    Ok(Created::Exists) => {
                        let session = sessions
                            .open(hs.session_id)
                            .await
                            .map_err(|e| refuse(e.to_string()))?
                            .ok_or_else(|| {
                                refuse("the session disappeared while connecting".to_owned())
                            })?;
                        session
                            .check_owner(user.as_ref())
                            .map_err(|e| refuse(e.to_string()))?;
                        session
                    }
                    Err(err) => return Err(refuse(err.to_string())),
                }
            }
            Err(err) => return Err(refuse(err.to_string())),
        };
        if let Some(thread) = hs.thread_id {
            sessions
                .check_thread(thread, user.as_ref())
                .map_err(|e| refuse(e.to_string()))?;
            if thread != session.meta().thread_id {
                tracing::debug!(target: "chainrs::socket", parent: &session.span, requested = %thread, "threadId given but thread resume needs a data layer: the session keeps its thread");
            }
        }
        let slot = Arc::new(Mutex::new(Slot::default()));
        // The events chainrs handles get a handler each; anything else goes to the fallback.
        for event in ClientEvent::ALL {
            let slot = slot.clone();
            socket.on(event.name(), move |TryData(data): TryData<Value>| {
                route(&slot, event.name().to_owned(), data.ok());
                async {}
            });
        }
        let fallback = slot.clone();
        socket.on_fallback(move |Event(event): Event| {
            route(&fallback, event, None);
            async {}
        });
        let transport = self.clone();
        let leaving = slot.clone();
        let session_id = session.id;
        socket.on_disconnect(move |socket: SocketRef, reason: DisconnectReason| {
            let tab = {
                let mut slot = leaving.lock().unwrap_or_else(PoisonError::into_inner);
                slot.gone = true;
                slot.tab.as_ref().and_then(Weak::upgrade)
            };
            let span = match tab {
                Some(tab) => {
                    transport
                        .sockets
                        .remove_if(&session_id, |_, (c, _)| *c == tab.connection);
                    let _ = tab.disconnected();
                    tab.session.span.clone()
                }
                None => tracing::Span::none(),
            };
            match reason {
                // socketioxide closes a connection whose frame is not valid Socket.IO / JSON,
                // before any handler sees it: say so, the session itself is kept.
                DisconnectReason::PacketParsingError => tracing::warn!(
                    target: "chainrs::socket", parent: &span, sid = %socket.id,
                    "chat tab disconnected: it sent a frame that is not valid Socket.IO JSON (or over max_payload); the session is kept and the client may reconnect"
                ),
                _ => tracing::info!(target: "chainrs::socket", parent: &span, sid = %socket.id, %reason, "chat tab disconnected"),
            }
            async {}
        });
        socket.extensions.insert(Admitted(session, slot));
        Ok(())
    }

    /// The connect handler: attaches the tab to its session and registers the event handlers.
    fn connected(self: &Arc<Self>, socket: SocketRef) {
        let Some(Admitted(session, slot)) = socket.extensions.remove::<Admitted>() else {
            tracing::error!(target: "chainrs::socket", sid = %socket.id, "connected without passing the handshake; closing");
            let _ = socket.disconnect();
            return;
        };
        let wire = Arc::new(SocketWire(socket.clone()));
        let tab = Tab::open(self.tabs.clone(), session, Attach::Link(wire), true);
        let id = tab.session.id;
        if let Some((_, (_, previous))) = self.sockets.remove(&id) {
            tracing::info!(target: "chainrs::socket", parent: &tab.session.span, "the session was opened on another socket: closing the previous one");
            let _ = previous.emit(
                "error",
                &serde_json::json!({ "message": "this chat session was opened in another tab or window", "event": "connect" }),
            );
            let _ = previous.disconnect();
        }
        self.sockets.insert(id, (tab.connection, socket.clone()));
        tracing::info!(target: "chainrs::socket", parent: &tab.session.span, sid = %socket.id, transport = ?socket.transport_type(), "chat tab connected");
        // The tab takes the events that came first, in order, then every later one.
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.tab = Some(Arc::downgrade(&tab));
        for (event, data) in std::mem::take(&mut slot.pending) {
            dispatch(&tab, &event, data);
        }
        if slot.gone {
            // The socket left before its tab started: let the tab go as a drop would.
            self.sockets
                .remove_if(&id, |_, (c, _)| *c == tab.connection);
            let _ = tab.disconnected();
        }
    }
}

fn login_required() -> String {
    "login required: log in first (POST /login); the handshake must carry its access_token cookie \
     (or an Authorization: Bearer header)"
        .to_owned()
}
