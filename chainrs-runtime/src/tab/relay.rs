//! Chat events across instances, over Redis: where each tab is connected, and a channel per
//! instance that hands relayed events to its tabs in order.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::Tabs;
use crate::context::{AskFuture, ChatSink, Emitter, SinkFuture};
use crate::error::{Error, Result};
use crate::protocol::ServerEvent;
use crate::session::{RedisStore, SessionId};

/// How long after its last refresh a tab's location is forgotten.
const LOCATION_TTL: Duration = Duration::from_secs(90);

/// Releases a location only if this instance still holds it.
const RELEASE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"#;

/// A control message every instance receives.
#[derive(Serialize, Deserialize)]
struct Control {
    session: SessionId,
    from: Uuid,
    stop: bool,
}

/// One relayed event.
#[derive(Serialize, Deserialize)]
struct Relayed {
    session: SessionId,
    name: String,
    payload: Value,
}

/// This instance's end of the relay.
///
/// Each instance records which sessions have their tab connected to it (`{prefix}tab:{session}`,
/// refreshed while the tab stays) and listens on its own channel (`{prefix}relay:{instance}`).
/// An instance that must reach a tab held elsewhere (an `endpoint(ws)` or an action callback
/// that landed on it) publishes the events to that instance, which hands them to the tab.
pub(crate) struct Relay {
    pub(crate) instance: Uuid,
    prefix: String,
    connection: ConnectionManager,
    client: redis::Client,
    release: redis::Script,
}

impl Relay {
    /// This instance's relay on `store`'s Redis; it receives once [`Relay::listen`] runs.
    pub(crate) fn new(store: &RedisStore) -> Arc<Relay> {
        Arc::new(Relay {
            instance: Uuid::new_v4(),
            prefix: store.prefix().to_owned(),
            connection: store.connection(),
            client: store.client().clone(),
            release: redis::Script::new(RELEASE),
        })
    }

    /// Starts handing events relayed to this instance to `tabs`, until they are dropped.
    pub(crate) fn listen(&self, tabs: Weak<Tabs>) {
        tokio::spawn(listen(
            self.client.clone(),
            self.channel(self.instance),
            control_channel(&self.prefix),
            self.instance,
            tabs,
        ));
    }

    /// Tells every other instance to cancel the session's running hooks (the stop button).
    pub(crate) async fn broadcast_stop(&self, session: SessionId) -> Result<()> {
        let message = serde_json::to_string(&Control {
            session,
            from: self.instance,
            stop: true,
        })
        .map_err(|source| Error::Encode {
            key: "relay control".to_owned(),
            source,
        })?;
        let _: i64 = redis::cmd("PUBLISH")
            .arg(control_channel(&self.prefix))
            .arg(message)
            .query_async(&mut self.connection.clone())
            .await
            .map_err(store_error)?;
        Ok(())
    }

    fn channel(&self, instance: Uuid) -> String {
        format!("{}relay:{instance}", self.prefix)
    }

    fn location(&self, session: SessionId) -> String {
        format!("{}tab:{session}", self.prefix)
    }

    /// Records that `session`'s tab is connected here (and refreshes the record).
    pub(crate) async fn claim(&self, session: SessionId) -> Result<()> {
        let _: () = redis::cmd("SET")
            .arg(self.location(session))
            .arg(self.instance.to_string())
            .arg("PX")
            .arg(u64::try_from(LOCATION_TTL.as_millis()).unwrap_or(u64::MAX))
            .query_async(&mut self.connection.clone())
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Forgets that `session`'s tab is here, unless another instance took it since.
    pub(crate) async fn release(&self, session: SessionId) -> Result<()> {
        let _: i64 = self
            .release
            .key(self.location(session))
            .arg(self.instance.to_string())
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// The emitter of `session`'s tab on another instance, if one holds it.
    pub(crate) async fn remote(self: &Arc<Self>, session: SessionId) -> Result<Option<Emitter>> {
        let held: Option<String> = redis::cmd("GET")
            .arg(self.location(session))
            .query_async(&mut self.connection.clone())
            .await
            .map_err(store_error)?;
        let Some(instance) = held.and_then(|h| Uuid::parse_str(&h).ok()) else {
            return Ok(None);
        };
        if instance == self.instance {
            return Ok(None);
        }
        let sink = Arc::new(RemoteTab {
            relay: self.clone(),
            channel: self.channel(instance),
            session,
        });
        Ok(Some(Emitter::new(session, sink)))
    }
}

fn control_channel(prefix: &str) -> String {
    format!("{prefix}relay-control")
}

fn store_error(e: redis::RedisError) -> Error {
    Error::Store(format!("Redis relay failed: {e}").into())
}

/// A tab connected to another instance.
struct RemoteTab {
    relay: Arc<Relay>,
    channel: String,
    session: SessionId,
}

impl ChatSink for RemoteTab {
    fn deliver(&self, event: ServerEvent) -> SinkFuture<'_> {
        Box::pin(async move {
            let message = serde_json::to_string(&Relayed {
                session: self.session,
                name: event.name().to_owned(),
                payload: event.payload(),
            })
            .map_err(|source| Error::Encode {
                key: "relayed event".to_owned(),
                source,
            })?;
            let receivers: i64 = redis::cmd("PUBLISH")
                .arg(&self.channel)
                .arg(message)
                .query_async(&mut self.relay.connection.clone())
                .await
                .map_err(store_error)?;
            if receivers == 0 {
                return Err(Error::NoLiveChat(self.session.to_string()));
            }
            Ok(())
        })
    }

    fn ask(&self, _event: ServerEvent, _timeout: Duration) -> AskFuture<'_> {
        Box::pin(async {
            Err(Error::BadRequest(
                "this chat tab is connected to another instance: a question (ask) can only wait \
                 for its answer on the instance that holds the tab, so ask from a chat hook"
                    .to_owned(),
            ))
        })
    }
}

/// Hands events relayed to this instance to their tabs; reconnects after Redis drops.
async fn listen(
    client: redis::Client,
    channel: String,
    control: String,
    me: Uuid,
    tabs: Weak<Tabs>,
) {
    let mut pause = Duration::from_millis(200);
    loop {
        if tabs.strong_count() == 0 {
            return;
        }
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&[&channel, &control]).await {
                Ok(()) => {
                    pause = Duration::from_millis(200);
                    let mut messages = pubsub.on_message();
                    while let Some(message) = messages.next().await {
                        let Some(tabs) = tabs.upgrade() else {
                            return;
                        };
                        let Ok(text) = message.get_payload::<String>() else {
                            continue;
                        };
                        if message.get_channel_name() == control {
                            if let Ok(order) = serde_json::from_str::<Control>(&text) {
                                if order.stop && order.from != me {
                                    let stopped = tabs.abort_running(order.session);
                                    tracing::info!(target: "chainrs::relay", session_id = %order.session, stopped, "stop relayed from another instance");
                                }
                            }
                            continue;
                        }
                        match serde_json::from_str::<Relayed>(&text) {
                            Ok(relayed) => {
                                tabs.deliver_here(
                                    relayed.session,
                                    ServerEvent::Custom {
                                        name: relayed.name,
                                        payload: relayed.payload,
                                    },
                                )
                                .await
                            }
                            Err(err) => {
                                tracing::warn!(target: "chainrs::relay", error = %err, "unreadable relayed event ignored")
                            }
                        }
                    }
                    tracing::warn!(target: "chainrs::relay", "relay subscription ended; resubscribing");
                }
                Err(err) => {
                    tracing::warn!(target: "chainrs::relay", error = %err, "cannot subscribe to the relay channel; retrying")
                }
            },
            Err(err) => {
                tracing::warn!(target: "chainrs::relay", error = %err, "cannot reach Redis for the relay; retrying")
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}
