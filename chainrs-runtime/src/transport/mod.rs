//! The chat transport: Socket.IO v5 (Engine.IO v4, polling and websocket) at `/ws/socket.io/`,
//! speaking Chainlit's events, on socketioxide. One socket is one chat tab of one session.

mod events;
mod wire;

use std::sync::{Arc, Mutex, PoisonError, Weak};

use dashmap::DashMap;
use socketioxide::ParserError;
use socketioxide::SocketIo;
use socketioxide::extract::{SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use socketioxide::socket::DisconnectReason;
use uuid::Uuid;

use crate::auth::Auth;
use crate::config::Config;
use crate::protocol::{HANDSHAKE_SHAPE, Handshake};
use crate::session::{Created, Origin, SessionId, SessionMeta, SessionRef};
use crate::tab::{Attach, Tab, Tabs};

use events::Slot;
use wire::SocketWire;

/// The path the client connects to (`io(url, { path: "/ws/socket.io" })`).
pub(crate) const SOCKET_PATH: &str = "/ws/socket.io";

/// The socket transport of an app: the tabs it drives, the login it checks, and the socket of
/// each session here, so a second socket on one session replaces the first.
pub(crate) struct Transport {
    tabs: Arc<Tabs>,
    auth: Arc<Auth>,
    /// Keys the handshake's `userEnv` must hold (`Config::user_env`).
    user_env: Vec<String>,
    sockets: DashMap<SessionId, (Uuid, SocketRef)>,
}

/// What the connect middleware admitted, handed to the connect handler.
#[derive(Clone)]
struct Admitted(SessionRef, Arc<Mutex<Slot>>);

/// Why a connect was refused; becomes the CONNECT_ERROR message.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Socket.IO layer of an app (add it to the app's router), and its handle, which closes
/// every socket at shutdown (their clients see a transport close and reconnect).
pub(crate) fn layer(
    tabs: Arc<Tabs>,
    auth: Arc<Auth>,
    config: &Config,
) -> (SocketIoLayer, SocketIo) {
    use socketioxide::TransportType;
    let builder = SocketIo::builder();
    let builder = match config.transports {
        crate::config::Transports::WebSocket => builder.transports([TransportType::Websocket]),
        crate::config::Transports::Polling => builder.transports([TransportType::Polling]),
        _ => builder,
    };
    let (layer, io) = builder
        .req_path(SOCKET_PATH)
        .max_payload(config.max_payload)
        // The same limit on websocket frames (socketioxide's default there is 64 MB).
        .ws_max_message_size(usize::try_from(config.max_payload).unwrap_or(usize::MAX))
        .ws_max_frame_size(usize::try_from(config.max_payload).unwrap_or(usize::MAX))
        .max_buffer_size(256)
        .ping_interval(config.ping_interval)
        .ping_timeout(config.ping_timeout)
        .build_layer();
    let transport = Arc::new(Transport {
        tabs,
        auth,
        user_env: config.user_env.clone(),
        sockets: DashMap::new(),
    });
    let on_connect = {
        let transport = transport.clone();
        move |socket: SocketRef| {
            transport.connected(socket);
            async {}
        }
    };
    let admit = move |socket: SocketRef, TryData(auth): TryData<Handshake>| {
        let transport = transport.clone();
        async move { transport.admit(socket, auth).await }
    };
    io.ns("/", on_connect.with(admit));
    (layer, io)
}

impl Transport {
    /// The connect middleware: validates the handshake, opens or creates the session.
    async fn admit(
        self: &Arc<Self>,
        socket: SocketRef,
        auth: Result<Handshake, ParserError>,
    ) -> Result<(), Refused> {
        let refuse = |why: String| {
            tracing::warn!(target: "chainrs::socket", sid = %socket.id, reason = %why, "connect refused");
            Refused(why)
        };
        if self.tabs.draining() {
            return Err(refuse(
                "this instance is shutting down: connect again in a moment (another instance takes the chat)".to_owned(),
            ));
        }
        let hs = auth.map_err(|e| {
            refuse(format!(
                "the handshake's auth object is not valid: {e}; {HANDSHAKE_SHAPE}"
            ))
        })?;
        let requested = SessionId::from(hs.session_id);
        let missing: Vec<&str> = self
            .user_env
            .iter()
            .filter(|key| {
                hs.env
                    .get(key.as_str())
                    .is_none_or(|v| v.as_str() == Some(""))
            })
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(refuse(format!(
                "missing user environment variables: {}; the app asks each user for them (the page's environment form sends them as userEnv)",
                missing.join(", ")
            )));
        }
        let sessions = &self.tabs.sessions;
        // A page of another origin may not open a tab with the user's cookie.
        self.auth
            .origins
            .check(&socket.req_parts().headers)
            .map_err(&refuse)?;
        // The login comes with the handshake request: the access_token cookie (browsers) or
        // an Authorization header (other clients).
        let user = sessions
            .identify(&self.auth, &socket.req_parts().headers)
            .await
            .map_err(|e| refuse(e.to_string()))?;
        if self.auth.login_required() && user.is_none() {
            return Err(refuse(login_required()));
        }
        let session = match sessions.open(requested).await {
            Ok(Some(session)) => {
                session
                    .check_owner(user.as_ref())
                    .map_err(|e| refuse(e.to_string()))?;
                tracing::info!(target: "chainrs::session", parent: &session.span, client_type = %hs.client_type, "session restored");
                // A session made before its chat (by the login, or an endpoint) gets its chat
                // profile from the first tab's handshake; a chat that began keeps its own.
                let meta = session.meta();
                if !meta.chat_started {
                    let profile = self
                        .tabs
                        .chat_profile(user.as_ref(), hs.chat_profile.as_deref())
                        .await
                        .map_err(&refuse)?;
                    if profile != meta.chat_profile {
                        session
                            .update_meta("chat profile", |m| m.chat_profile = profile.clone())
                            .await
                            .map_err(|e| refuse(e.to_string()))?;
                    }
                }
                session
            }
            Ok(None) => {
                let mut meta = SessionMeta::new(Origin::Chat, user.clone());
                meta.client_type = hs.client_type.clone();
                meta.env = hs.env.clone();
                // One of the profiles the app offers this user: the one the page picked, or
                // the default; a name it does not offer is refused.
                meta.chat_profile = self
                    .tabs
                    .chat_profile(user.as_ref(), hs.chat_profile.as_deref())
                    .await
                    .map_err(&refuse)?;
                // With a data layer, a `threadId` of the user's resumes that thread.
                match self.tabs.create_chat(requested, meta, hs.thread_id).await {
                    Ok(Created::New(session)) => session,
                    // Two sockets raced to create it: the other one won, join its session.
                    Ok(Created::Exists) => {
                        let session = sessions
                            .open(requested)
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
        if let Some(thread) = hs.thread_id.filter(|t| *t != session.thread_id()) {
            if self.tabs.record.is_none() {
                sessions
                    .check_thread(thread, user.as_ref())
                    .await
                    .map_err(|e| refuse(e.to_string()))?;
                tracing::debug!(target: "chainrs::socket", parent: &session.span, requested = %thread, "threadId given but thread resume needs a data layer: the session keeps its thread");
            } else {
                // A session that exists keeps its thread; a resume opens a new session.
                tracing::debug!(target: "chainrs::socket", parent: &session.span, requested = %thread, "threadId of another thread ignored: the session exists and keeps its own");
            }
        }
        let slot = Arc::new(Mutex::new(Slot::default()));
        events::register(&socket, &slot);
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
        for incoming in std::mem::take(&mut slot.pending) {
            events::dispatch(&tab, incoming);
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
