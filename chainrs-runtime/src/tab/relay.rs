//! Chat events across instances, over Redis: where each tab is connected, and a channel per
//! instance that hands relayed events to its tabs in order.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
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

/// How long a hook run's mark lives without a refresh: the marks of a killed instance go after
/// this; those of the runs going on are refreshed every third of it.
const RUN_TTL: Duration = Duration::from_secs(60);

/// Releases a location only if this instance still holds it.
const RELEASE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"#;

/// Keeps an event of a session whose tab is not on this instance: when another instance holds
/// the tab (KEYS[3], unless ARGV[6] is "1") it returns that instance, for the event to be
/// published there; else it appends the event to the session's outbox (KEYS[1]), merging a
/// stream token into the queued token of the same step, keeping the newest ARGV[2] events and
/// counting the others in KEYS[2] (both keys live ARGV[3] ms), and returns "". ARGV[1] is the
/// event, ARGV[4] the merge limit in bytes, ARGV[5] this instance. Reading where the tab is and
/// appending are one step, so a tab that claims the session and then takes its outbox never
/// misses an event: it came before the claim (in the outbox) or after (published to it).
const PUSH_OUTBOX: &str = r#"
if ARGV[6] ~= '1' then
  local holder = redis.call('GET', KEYS[3])
  if holder and holder ~= ARGV[5] then return holder end
end
local new = cjson.decode(ARGV[1])
if new.name == 'stream_token' and type(new.payload) == 'table' and not new.payload.isSequence then
  local last = redis.call('LINDEX', KEYS[1], -1)
  if last then
    local old = cjson.decode(last)
    if old.name == 'stream_token' and type(old.payload) == 'table'
      and old.payload.id == new.payload.id and old.payload.isInput == new.payload.isInput
      and not old.payload.isSequence and string.len(old.payload.token) < tonumber(ARGV[4]) then
      old.payload.token = old.payload.token .. new.payload.token
      redis.call('LSET', KEYS[1], -1, cjson.encode(old))
      redis.call('PEXPIRE', KEYS[1], ARGV[3])
      return ''
    end
  end
end
local n = redis.call('RPUSH', KEYS[1], ARGV[1])
local limit = tonumber(ARGV[2])
if n > limit then
  redis.call('LPOP', KEYS[1], n - limit)
  redis.call('INCRBY', KEYS[2], n - limit)
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return ''
"#;

/// Takes a session's outbox (KEYS[1]) and its count of dropped events (KEYS[2]), emptying both.
const TAKE_OUTBOX: &str = r#"
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local dropped = tonumber(redis.call('GET', KEYS[2]) or '0')
redis.call('DEL', KEYS[1], KEYS[2])
return {items, dropped}
"#;

/// The relayed message that asks the tab a question for an instance that does not hold it.
const ASK: &str = "chainrs:ask";

/// The relayed message that brings the answer back to the instance that asked.
const ANSWER: &str = "chainrs:answer";

/// A question relayed to the instance that holds the tab.
#[derive(Serialize, Deserialize)]
struct RelayedAsk {
    /// Names the question, for its answer.
    ask: Uuid,
    /// The instance that waits for the answer.
    from: Uuid,
    /// How long it may wait, in milliseconds.
    timeout_ms: u64,
    /// The ask event, as the tab receives it.
    name: String,
    payload: Value,
}

/// The answer to a relayed question.
#[derive(Serialize, Deserialize)]
struct RelayedAnswer {
    ask: Uuid,
    /// The answer; `None` when it timed out.
    answer: Option<Value>,
    /// The tab left (or was not there) before it answered.
    left: bool,
}

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
    push_outbox: redis::Script,
    take_outbox: redis::Script,
    /// The marks of the hook runs going on here (for the overlap policy), with their session.
    marks: dashmap::DashMap<String, SessionId>,
    /// Questions asked from here to tabs on other instances, waiting for their answer.
    asks: dashmap::DashMap<Uuid, tokio::sync::oneshot::Sender<Result<Option<Value>>>>,
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
            push_outbox: redis::Script::new(PUSH_OUTBOX),
            take_outbox: redis::Script::new(TAKE_OUTBOX),
            marks: dashmap::DashMap::new(),
            asks: dashmap::DashMap::new(),
        })
    }

    /// Starts handing events relayed to this instance to `tabs`, until they are dropped.
    pub(crate) fn listen(&self, tabs: Weak<Tabs>) {
        tokio::spawn(refresh_marks(tabs.clone()));
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

    fn outbox(&self, session: SessionId) -> (String, String) {
        (
            format!("{}outbox:{session}", self.prefix),
            format!("{}outbox-dropped:{session}", self.prefix),
        )
    }

    /// The instance that holds `session`'s tab, if one does.
    async fn holder(&self, session: SessionId) -> Result<Option<Uuid>> {
        let held: Option<String> = redis::cmd("GET")
            .arg(self.location(session))
            .query_async(&mut self.connection.clone())
            .await
            .map_err(store_error)?;
        Ok(held.and_then(|h| Uuid::parse_str(&h).ok()))
    }

    /// Asks `session`'s tab a question through the instance that holds it: the future of the
    /// answer (`None` when it timed out, [`Error::TabLeft`] when the tab left first), or `None`
    /// when no other instance holds the tab.
    pub(crate) async fn forward_ask(
        self: &Arc<Self>,
        session: SessionId,
        event: ServerEvent,
        timeout: Duration,
    ) -> Result<Option<super::AskAnswer>> {
        let Some(holder) = self
            .holder(session)
            .await?
            .filter(|holder| *holder != self.instance)
        else {
            return Ok(None);
        };
        let ask = Uuid::new_v4();
        let message = serde_json::to_string(&Relayed {
            session,
            name: ASK.to_owned(),
            payload: serde_json::to_value(RelayedAsk {
                ask,
                from: self.instance,
                timeout_ms: millis(timeout),
                name: event.name().to_owned(),
                payload: event.payload(),
            })
            .unwrap_or(Value::Null),
        })
        .map_err(|source| Error::Encode {
            key: "relayed ask".to_owned(),
            source,
        })?;
        let (sender, answered) = tokio::sync::oneshot::channel();
        self.asks.insert(ask, sender);
        if self.publish(holder, &message).await? == 0 {
            self.asks.remove(&ask);
            return Ok(None);
        }
        let relay = self.clone();
        Ok(Some(Box::pin(async move {
            // The tab's instance answers `None` at the deadline; this one does not wait longer.
            let answer = tokio::time::timeout(timeout + Duration::from_secs(2), answered).await;
            relay.asks.remove(&ask);
            match answer {
                Ok(Ok(answer)) => answer,
                Ok(Err(_)) => Err(Error::TabLeft),
                Err(_) => Ok(None),
            }
        })))
    }

    /// Brings the answer to a relayed question back to the instance that asked.
    async fn answer(&self, to: Uuid, session: SessionId, answer: RelayedAnswer) {
        let message = serde_json::to_string(&Relayed {
            session,
            name: ANSWER.to_owned(),
            payload: serde_json::to_value(answer).unwrap_or(Value::Null),
        });
        let sent = match message {
            Ok(message) => self.publish(to, &message).await.map(|_| ()),
            Err(source) => Err(Error::Encode {
                key: "relayed answer".to_owned(),
                source,
            }),
        };
        if let Err(err) = sent {
            tracing::warn!(target: "chainrs::relay", session_id = %session, error = %err, "could not bring the answer back to the instance that asked");
        }
    }

    /// Publishes `message` on `instance`'s channel; how many listened.
    async fn publish(&self, instance: Uuid, message: &str) -> Result<i64> {
        redis::cmd("PUBLISH")
            .arg(self.channel(instance))
            .arg(message)
            .query_async(&mut self.connection.clone())
            .await
            .map_err(store_error)
    }

    /// Removes `session`'s outbox (the session ended).
    pub(crate) async fn drop_outbox(&self, session: SessionId) -> Result<()> {
        let (items, dropped) = self.outbox(session);
        let _: i64 = redis::cmd("DEL")
            .arg(items)
            .arg(dropped)
            .query_async(&mut self.connection.clone())
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Takes what was kept in `session`'s outbox, oldest first, and how many events did not
    /// fit; the outbox is empty afterwards.
    pub(crate) async fn take_outbox(&self, session: SessionId) -> Result<(Vec<ServerEvent>, u64)> {
        let (items, dropped) = self.outbox(session);
        let (kept, dropped): (Vec<String>, u64) = self
            .take_outbox
            .key(items)
            .key(dropped)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(store_error)?;
        let events = kept
            .iter()
            .filter_map(|text| match serde_json::from_str::<Relayed>(text) {
                Ok(relayed) => Some(ServerEvent::Custom {
                    name: relayed.name,
                    payload: relayed.payload,
                }),
                Err(err) => {
                    tracing::warn!(target: "chainrs::relay", session_id = %session, error = %err, "unreadable event in the outbox skipped");
                    None
                }
            })
            .collect();
        Ok((events, dropped))
    }

    fn runs(&self, session: SessionId) -> String {
        format!("{}runs:{session}", self.prefix)
    }

    /// A new run mark of this instance (`<instance>/<run>`).
    pub(crate) fn new_mark(&self) -> String {
        format!("{}/{}", self.instance, Uuid::new_v4())
    }

    /// Marks a hook run of `session` as going on here, so the other instances see it (a sorted
    /// set per session, each mark scored by when it lapses; refreshed while it runs).
    pub(crate) async fn mark_run(&self, session: SessionId, mark: &str) -> Result<()> {
        self.marks.insert(mark.to_owned(), session);
        self.put_marks(&[(mark.to_owned(), session)]).await
    }

    /// Forgets a mark that was never written.
    pub(crate) fn forget_mark(&self, mark: &str) {
        self.marks.remove(mark);
    }

    /// The run marked `mark` ended.
    pub(crate) async fn unmark_run(&self, session: SessionId, mark: &str) -> Result<()> {
        self.marks.remove(mark);
        let _: i64 = redis::cmd("ZREM")
            .arg(self.runs(session))
            .arg(mark)
            .query_async(&mut self.connection.clone())
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Whether a hook of `session` runs on another instance that is alive (a mark of theirs
    /// that has not lapsed).
    pub(crate) async fn runs_elsewhere(&self, session: SessionId) -> Result<bool> {
        let (alive, _) = self.foreign_marks(session).await?;
        Ok(alive > 0)
    }

    /// How many runs of `session` were lost with the instance they ran on (its marks are
    /// there, the instance is not); their marks go, so a loss is told once.
    pub(crate) async fn lost_runs(&self, session: SessionId) -> Result<usize> {
        let (_, lost) = self.foreign_marks(session).await?;
        if !lost.is_empty() {
            let _: i64 = redis::cmd("ZREM")
                .arg(self.runs(session))
                .arg(&lost)
                .query_async(&mut self.connection.clone())
                .await
                .map_err(store_error)?;
        }
        Ok(lost.len())
    }

    /// The marks of `session`'s runs on other instances that have not lapsed: how many are of
    /// instances alive, and the marks of those that are gone. An instance is alive while it
    /// listens on its relay channel (Redis drops a killed process's subscription at once).
    async fn foreign_marks(&self, session: SessionId) -> Result<(usize, Vec<String>)> {
        let marks: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(self.runs(session))
            .arg(now_ms())
            .arg("+inf")
            .query_async(&mut self.connection.clone())
            .await
            .map_err(store_error)?;
        let mine = format!("{}/", self.instance);
        let mut alive = 0;
        let mut lost = Vec::new();
        let mut known: std::collections::HashMap<String, bool> = Default::default();
        for mark in marks.into_iter().filter(|m| !m.starts_with(&mine)) {
            let Some((instance, _)) = mark.split_once('/') else {
                continue;
            };
            let live = match known.get(instance) {
                Some(live) => *live,
                None => {
                    let channel = format!("{}relay:{instance}", self.prefix);
                    let counts: Vec<(String, i64)> = redis::cmd("PUBSUB")
                        .arg("NUMSUB")
                        .arg(&channel)
                        .query_async(&mut self.connection.clone())
                        .await
                        .map_err(store_error)?;
                    let live = counts.first().is_some_and(|(_, n)| *n > 0);
                    known.insert(instance.to_owned(), live);
                    live
                }
            };
            if live {
                alive += 1;
            } else {
                lost.push(mark);
            }
        }
        Ok((alive, lost))
    }

    /// Writes `marks` with a fresh lapse time (and the key's TTL), in one round trip.
    async fn put_marks(&self, marks: &[(String, SessionId)]) -> Result<()> {
        if marks.is_empty() {
            return Ok(());
        }
        let lapse = now_ms().saturating_add(millis(RUN_TTL));
        let mut pipe = redis::pipe();
        for (mark, session) in marks {
            let key = self.runs(*session);
            pipe.cmd("ZADD").arg(&key).arg(lapse).arg(mark).ignore();
            pipe.cmd("PEXPIRE").arg(&key).arg(millis(RUN_TTL)).ignore();
        }
        let _: () = pipe
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

impl Relay {
    /// Hands a relayed answer to the question it answers, if it still waits.
    fn answered(&self, payload: Value) {
        match serde_json::from_value::<RelayedAnswer>(payload) {
            Ok(answer) => {
                if let Some((_, waiting)) = self.asks.remove(&answer.ask) {
                    let _ = waiting.send(if answer.left {
                        Err(Error::TabLeft)
                    } else {
                        Ok(answer.answer)
                    });
                }
            }
            Err(err) => {
                tracing::warn!(target: "chainrs::relay", error = %err, "unreadable relayed answer ignored")
            }
        }
    }
}

/// Shows a question relayed from another instance in this instance's tab of `session`, and
/// sends the answer back (`left` when the tab is not here or left before it answered).
fn ask_here(tabs: &Arc<Tabs>, session: SessionId, payload: Value) {
    let asked = match serde_json::from_value::<RelayedAsk>(payload) {
        Ok(asked) => asked,
        Err(err) => {
            tracing::warn!(target: "chainrs::relay", session_id = %session, error = %err, "unreadable relayed question ignored");
            return;
        }
    };
    let (Some(relay), link) = (
        tabs.relay.clone(),
        tabs.links.get(&session).map(|l| l.clone()),
    ) else {
        return;
    };
    tokio::spawn(async move {
        let event = ServerEvent::Custom {
            name: asked.name,
            payload: asked.payload,
        };
        let result = match link.filter(|link| link.is_online()) {
            Some(link) => {
                link.ask(event, Duration::from_millis(asked.timeout_ms))
                    .await
            }
            None => Err(Error::TabLeft),
        };
        let answer = match result {
            Ok(answer) => RelayedAnswer {
                ask: asked.ask,
                answer,
                left: false,
            },
            Err(_) => RelayedAnswer {
                ask: asked.ask,
                answer: None,
                left: true,
            },
        };
        relay.answer(asked.from, session, answer).await;
    });
}

/// Where a session's events go while its tab is away from this instance (see `outbox.rs`).
pub(crate) struct Outbox {
    relay: Arc<Relay>,
    /// How long an outbox lives without a new event (the session's timeout).
    ttl: Duration,
}

impl Outbox {
    pub(crate) fn new(relay: Arc<Relay>, ttl: Duration) -> Self {
        Outbox { relay, ttl }
    }

    async fn keep_event(&self, session: SessionId, event: ServerEvent) -> Result<()> {
        let relay = &self.relay;
        let message = serde_json::to_string(&Relayed {
            session,
            name: event.name().to_owned(),
            payload: event.payload(),
        })
        .map_err(|source| Error::Encode {
            key: "kept event".to_owned(),
            source,
        })?;
        let mut force = false;
        loop {
            let (items, dropped) = relay.outbox(session);
            let holder: String = relay
                .push_outbox
                .key(items)
                .key(dropped)
                .key(relay.location(session))
                .arg(&message)
                .arg(super::QUEUE_LIMIT)
                .arg(millis(self.ttl))
                .arg(super::link::MERGE_LIMIT)
                .arg(relay.instance.to_string())
                .arg(if force { "1" } else { "0" })
                .invoke_async(&mut relay.connection.clone())
                .await
                .map_err(store_error)?;
            // Kept in the outbox.
            if holder.is_empty() {
                return Ok(());
            }
            // The tab is on another instance now: hand the event there, unless that instance
            // is gone (no one listens), then keep it in the outbox after all.
            match Uuid::parse_str(&holder) {
                Ok(holder) if relay.publish(holder, &message).await? > 0 => return Ok(()),
                _ => force = true,
            }
        }
    }
}

impl super::link::Away for Outbox {
    fn keep(&self, session: SessionId, event: ServerEvent) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.keep_event(session, event))
    }

    fn ask(
        &self,
        session: SessionId,
        event: ServerEvent,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<Option<super::AskAnswer>>> {
        Box::pin(self.relay.forward_ask(session, event, timeout))
    }
}

/// Keeps the marks of this instance's running hooks from lapsing, until the tabs are dropped.
async fn refresh_marks(tabs: Weak<Tabs>) {
    loop {
        tokio::time::sleep(RUN_TTL / 3).await;
        let Some(tabs) = tabs.upgrade() else {
            return;
        };
        let Some(relay) = tabs.relay.clone() else {
            return;
        };
        drop(tabs);
        let marks: Vec<(String, SessionId)> = relay
            .marks
            .iter()
            .map(|entry| (entry.key().clone(), *entry.value()))
            .collect();
        if let Err(err) = relay.put_marks(&marks).await {
            tracing::warn!(target: "chainrs::relay", error = %err, runs = marks.len(), "could not refresh the marks of the running hooks; retrying");
        }
    }
}

/// Milliseconds since the Unix epoch, on this instance's clock.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, millis)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
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

    fn ask(&self, event: ServerEvent, timeout: Duration) -> AskFuture<'_> {
        Box::pin(async move {
            match self.relay.forward_ask(self.session, event, timeout).await? {
                Some(answer) => answer.await,
                None => Err(Error::NoLiveChat(self.session.to_string())),
            }
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
                                    // A tab of the session here saw those runs start: it
                                    // sees them end, so it does not stay busy.
                                    if let Some(tab) =
                                        tabs.live(order.session).filter(|_| stopped > 0)
                                    {
                                        tokio::spawn(async move {
                                            let _ = tab.emit(ServerEvent::TaskEnd).await;
                                        });
                                    }
                                }
                            }
                            continue;
                        }
                        match serde_json::from_str::<Relayed>(&text) {
                            Ok(relayed) if relayed.name == ASK => {
                                ask_here(&tabs, relayed.session, relayed.payload)
                            }
                            Ok(relayed) if relayed.name == ANSWER => {
                                if let Some(relay) = &tabs.relay {
                                    relay.answered(relayed.payload);
                                }
                            }
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
