//! The link from a session to its chat tab: one ordered queue per session that outlives the
//! tab's connections (see [`ChatLink`]).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::sync::{Notify, oneshot};
use uuid::Uuid;

use crate::context::{AskFuture, ChatSink, SinkFuture};
use crate::error::{Error, Result};
use crate::protocol::{ServerEvent, ToastKind};
use crate::session::SessionId;

/// Events kept per session: the backpressure point while connected, the buffer while away.
pub const QUEUE_LIMIT: usize = 1024;

/// Merged tokens stop growing at this many bytes, so one frame stays reasonably small.
pub(super) const MERGE_LIMIT: usize = 64 * 1024;

/// How long the writer waits before retrying when the connection's own buffer is full.
const RETRY_FULL: Duration = Duration::from_millis(2);

/// How long the writer waits before it tries again to keep an event elsewhere that failed.
const RETRY_AWAY: Duration = Duration::from_millis(200);

/// Where a link's events go while its tab is not connected to this instance (with Redis: to
/// the instance that holds the tab now, or into the session's outbox in Redis, which the next
/// tab of the session takes on whichever instance it connects).
pub(crate) trait Away: Send + Sync + 'static {
    /// Keeps `event` of `session` elsewhere, in order with the ones kept before.
    fn keep(&self, session: SessionId, event: ServerEvent) -> BoxFuture<'_, Result<()>>;

    /// Hands an ask to the instance that holds the tab now: the future of its answer, or
    /// `None` when no instance holds the tab (the ask waits here for one).
    fn ask(
        &self,
        session: SessionId,
        event: ServerEvent,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<Option<AskAnswer>>>;
}

/// How often a queued ask looks for an instance that holds the tab, while none does.
const ASK_POLL: Duration = Duration::from_millis(250);

/// Why a connection did not take an event.
#[derive(Debug)]
pub(crate) enum WireError {
    /// Its buffer is full: try again shortly.
    Full,
    /// It is gone: keep the event for the next connection.
    Closed,
    /// The event cannot be sent at all (it does not encode).
    Invalid(String),
}

/// The answer to an `ask`: `None` when it timed out.
pub(crate) type AskAnswer = BoxFuture<'static, Result<Option<Value>>>;

/// One connection to a chat tab: a socket, or a test client's channel.
pub(crate) trait Wire: Send + Sync + 'static {
    /// Hands one event to the connection without waiting.
    fn send(&self, event: &ServerEvent) -> std::result::Result<(), WireError>;
    /// Sends an `ask` and returns the future of its answer.
    fn ask(
        &self,
        event: &ServerEvent,
        timeout: Duration,
    ) -> std::result::Result<AskAnswer, WireError>;
    /// Closes the connection (the tab was cleared, or its session ended); the default does nothing.
    fn close(&self) {}
}

enum Outgoing {
    Event(ServerEvent),
    Ask {
        event: ServerEvent,
        /// When the ask times out, wherever it waits or is shown.
        deadline: tokio::time::Instant,
        answer: oneshot::Sender<Result<Option<Value>>>,
    },
}

#[derive(Default)]
struct LinkState {
    items: VecDeque<Outgoing>,
    /// The connected tab, if any, with its connection id.
    wire: Option<(Uuid, Arc<dyn Wire>)>,
    /// The writer took an item and has not handed it over yet.
    sending: bool,
    /// Events dropped while the tab was away, reported on reconnect.
    dropped: usize,
    closed: bool,
    /// A tab just connected and what was kept elsewhere for it is being fetched: nothing goes
    /// to it until that is in front of the queue.
    holding: bool,
}

/// A session's link to its chat tab.
///
/// Events keep their order, a slow client never drops tokens, and what a handler sends while
/// the tab is briefly away is delivered when it reconnects.
///
/// Handlers push; when the tab is connected and nothing is queued the event goes straight to
/// the connection, otherwise one writer task drains the queue. Consecutive `stream_token`s of
/// one message that are still queued merge (up to 64 KiB a frame), so streaming never blocks a
/// handler and never loses a token. While connected, other events wait once [`QUEUE_LIMIT`] are
/// queued (backpressure). While the tab is away, with Redis the writer hands the events on
/// (see `outbox.rs`) and they wait the same way; without, nothing waits: up to
/// [`QUEUE_LIMIT`] events are kept, older ones beyond that are dropped, and the tab is told how
/// many on reconnect.
pub(crate) struct ChatLink {
    state: Mutex<LinkState>,
    /// Wakes the writer.
    wake: Notify,
    /// Wakes producers waiting for room, and `flush`.
    room: Notify,
    session: SessionId,
    /// Where events go while the tab is away, when they can leave this instance.
    away: Option<Arc<dyn Away>>,
    /// Itself, for the tasks that wait for an ask's answer (an ask whose tab left goes back
    /// into the queue).
    me: std::sync::Weak<ChatLink>,
}

impl ChatLink {
    /// A link with no tab yet, its writer running; while the tab is away its events go to
    /// `away`, if any, else they wait here.
    pub(crate) fn start(session: SessionId, away: Option<Arc<dyn Away>>) -> Arc<Self> {
        let link = Arc::new_cyclic(|me| ChatLink {
            state: Mutex::new(LinkState::default()),
            wake: Notify::new(),
            room: Notify::new(),
            session,
            away,
            me: me.clone(),
        });
        tokio::spawn(writer(link.clone()));
        link
    }

    fn lock(&self) -> MutexGuard<'_, LinkState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Connects a tab; what was kept while it was away goes first (with `hold`, nothing goes
    /// to it until [`ChatLink::release`] put what was kept elsewhere in front). Returns the
    /// connection it replaced.
    pub(crate) fn attach(&self, connection: Uuid, wire: Arc<dyn Wire>, hold: bool) -> Option<Uuid> {
        let replaced = {
            let mut state = self.lock();
            if state.dropped > 0 {
                let dropped = std::mem::take(&mut state.dropped);
                state.items.push_front(Outgoing::Event(ServerEvent::Toast {
                    message: format!(
                        "{dropped} older updates could not be kept while you were disconnected"
                    ),
                    kind: ToastKind::Warning,
                }));
            }
            state.holding = hold && self.away.is_some();
            state.wire.replace((connection, wire)).map(|(id, _)| id)
        };
        self.wake.notify_one();
        replaced
    }

    /// Waits until no event is on its way elsewhere (after `attach`, the writer sends none).
    pub(crate) async fn settled(&self) {
        self.wait_until(|state| !state.sending).await;
    }

    async fn wait_until(&self, done: impl Fn(&LinkState) -> bool) {
        loop {
            let room = self.room.notified();
            tokio::pin!(room);
            room.as_mut().enable();
            if done(&self.lock()) {
                return;
            }
            room.await;
        }
    }

    /// Puts `kept` (what was kept elsewhere while the tab was away, oldest first) in front of
    /// the queue and lets the writer go on.
    pub(crate) fn release(&self, kept: Vec<ServerEvent>) {
        {
            let mut state = self.lock();
            for event in kept.into_iter().rev() {
                state.items.push_front(Outgoing::Event(event));
            }
            state.holding = false;
        }
        self.wake.notify_one();
        self.room.notify_waiters();
    }

    /// Whether nothing waits in the queue (or is on its way).
    pub(crate) fn is_idle(&self) -> bool {
        let state = self.lock();
        state.items.is_empty() && !state.sending
    }

    /// Disconnects the tab of `connection` (if it is still the current one); events are kept.
    pub(crate) fn detach(&self, connection: Uuid) {
        let mut state = self.lock();
        if state.wire.as_ref().is_some_and(|(id, _)| *id == connection) {
            state.wire = None;
        }
    }

    /// Whether a tab is connected now.
    pub(crate) fn is_online(&self) -> bool {
        self.lock().wire.is_some()
    }

    /// Waits (at most `limit`) until every queued event was handed to the connected tab.
    pub(crate) async fn flush(&self, limit: Duration) {
        let _ = tokio::time::timeout(limit, async {
            loop {
                let room = self.room.notified();
                tokio::pin!(room);
                room.as_mut().enable();
                {
                    let state = self.lock();
                    if state.closed
                        || state.wire.is_none()
                        || (state.items.is_empty() && !state.sending)
                    {
                        return;
                    }
                }
                room.await;
            }
        })
        .await;
    }

    /// Ends the link: the writer stops, later events fail, pending asks get an error.
    pub(crate) fn close(&self) {
        let dropped = {
            let mut state = self.lock();
            state.closed = true;
            state.wire = None;
            std::mem::take(&mut state.items)
        };
        drop(dropped);
        self.wake.notify_one();
        self.room.notify_waiters();
    }

    fn gone(&self) -> Error {
        Error::NoLiveChat(self.session.to_string())
    }

    async fn push(&self, item: Outgoing) -> Result<()> {
        let mut item = Some(item);
        loop {
            let room = self.room.notified();
            tokio::pin!(room);
            room.as_mut().enable();
            {
                let mut state = self.lock();
                if state.closed {
                    return Err(self.gone());
                }
                let Some(next) = item.take() else {
                    return Ok(());
                };
                // Straight to the connection when nothing is ahead of it.
                let next = match direct(&mut state, next, &self.me) {
                    None => return Ok(()),
                    Some(next) => next,
                };
                let Some(next) = merge_token(&mut state.items, next) else {
                    return Ok(());
                };
                let is_token = matches!(next, Outgoing::Event(ServerEvent::StreamToken(_)));
                // Away with nowhere else to keep them: keep the newest here, never make a
                // handler wait for an absent tab. Otherwise the queue is drained (into the
                // tab, or elsewhere): wait for room.
                let waits = state.wire.is_some() || self.away.is_some();
                if !waits && state.items.len() >= QUEUE_LIMIT {
                    state.items.pop_front();
                    state.dropped += 1;
                }
                if is_token || !waits || state.items.len() < QUEUE_LIMIT {
                    state.items.push_back(next);
                    drop(state);
                    self.wake.notify_one();
                    return Ok(());
                }
                item = Some(next);
            }
            room.await;
        }
    }
}

/// Hands `item` to the connected tab when the queue is empty; gives it back otherwise.
fn direct(
    state: &mut LinkState,
    item: Outgoing,
    link: &std::sync::Weak<ChatLink>,
) -> Option<Outgoing> {
    if !state.items.is_empty() || state.sending || state.holding {
        return Some(item);
    }
    let Some((_, wire)) = state.wire.clone() else {
        return Some(item);
    };
    match item {
        Outgoing::Event(event) => match wire.send(&event) {
            Ok(()) => None,
            Err(WireError::Invalid(why)) => {
                tracing::error!(target: "chainrs::chat", event = event.name(), error = %why, "could not send event");
                None
            }
            Err(WireError::Full | WireError::Closed) => Some(Outgoing::Event(event)),
        },
        Outgoing::Ask {
            event,
            deadline,
            answer,
        } => match wire.ask(&event, left_until(deadline)) {
            Ok(waiting) => {
                tokio::spawn(settle(link.clone(), waiting, event, deadline, answer));
                None
            }
            Err(WireError::Invalid(why)) => {
                let _ = answer.send(Err(Error::BadRequest(format!("could not send ask: {why}"))));
                None
            }
            Err(WireError::Full | WireError::Closed) => Some(Outgoing::Ask {
                event,
                deadline,
                answer,
            }),
        },
    }
}

/// Appends a token to a queued token of the same message at the tail; gives the item back otherwise.
fn merge_token(items: &mut VecDeque<Outgoing>, item: Outgoing) -> Option<Outgoing> {
    let Outgoing::Event(ServerEvent::StreamToken(new)) = &item else {
        return Some(item);
    };
    if let Some(Outgoing::Event(ServerEvent::StreamToken(tail))) = items.back_mut() {
        if tail.id == new.id
            && tail.is_input == new.is_input
            && !new.is_sequence
            && tail.token.len() < MERGE_LIMIT
        {
            tail.token.push_str(&new.token);
            return None;
        }
    }
    Some(item)
}

impl ChatSink for ChatLink {
    fn deliver(&self, event: ServerEvent) -> SinkFuture<'_> {
        Box::pin(self.push(Outgoing::Event(event)))
    }

    fn ask(&self, event: ServerEvent, timeout: Duration) -> AskFuture<'_> {
        Box::pin(async move {
            let (answer, answered) = oneshot::channel();
            let deadline = tokio::time::Instant::now() + timeout;
            self.push(Outgoing::Ask {
                event,
                deadline,
                answer,
            })
            .await?;
            // The timeout holds wherever the ask waits: queued for an absent tab, shown, or
            // handed to another instance (which answers `None` itself at the deadline).
            match tokio::time::timeout_at(deadline + ASK_SLACK, answered).await {
                Ok(answered) => answered.map_err(|_| self.gone())?,
                Err(_) => Ok(None),
            }
        })
    }
}

/// How long after its deadline an ask's answer may still arrive from where it is shown.
const ASK_SLACK: Duration = Duration::from_secs(1);

/// What is left of an ask's time.
fn left_until(deadline: tokio::time::Instant) -> Duration {
    deadline.saturating_duration_since(tokio::time::Instant::now())
}

/// Hands the answer of an ask shown somewhere to the asker; when the tab left before it
/// answered and time is left, the ask goes back to the front of the queue, to be shown again
/// where the tab is next (here or, with Redis, on another instance).
async fn settle(
    link: std::sync::Weak<ChatLink>,
    waiting: AskAnswer,
    event: ServerEvent,
    deadline: tokio::time::Instant,
    answer: oneshot::Sender<Result<Option<Value>>>,
) {
    let result = waiting.await;
    if matches!(result, Err(Error::TabLeft)) && !left_until(deadline).is_zero() {
        if let Some(link) = link.upgrade() {
            tracing::info!(target: "chainrs::chat", session_id = %link.session, "the tab left before it answered the question: asking again where it is next");
            {
                let mut state = link.lock();
                if !state.closed {
                    state.items.push_front(Outgoing::Ask {
                        event,
                        deadline,
                        answer,
                    });
                    drop(state);
                    link.wake.notify_one();
                    return;
                }
            }
        }
    }
    let _ = answer.send(result);
}

/// Drains the queue into whichever tab is connected; while none is, into `away` (events,
/// not asks, which wait for a tab); else waits.
async fn writer(link: Arc<ChatLink>) {
    loop {
        let wake = link.wake.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        let next = {
            let mut state = link.lock();
            if state.closed {
                return;
            }
            match (state.wire.clone(), &link.away) {
                (Some(_), _) if state.holding => None,
                (Some((connection, wire)), _) => state.items.pop_front().map(|item| {
                    state.sending = true;
                    Next::Wire(item, connection, wire)
                }),
                (None, Some(away)) if !state.items.is_empty() => match state.items.pop_front() {
                    Some(Outgoing::Event(event)) => {
                        state.sending = true;
                        Some(Next::Away(event, away.clone()))
                    }
                    Some(ask) => {
                        state.sending = true;
                        Some(Next::AwayAsk(ask, away.clone()))
                    }
                    None => None,
                },
                (None, _) => None,
            }
        };
        let (item, connection, wire) = match next {
            Some(Next::Wire(item, connection, wire)) => (item, connection, wire),
            Some(Next::Away(event, away)) => {
                let kept = away.keep(link.session, event.clone()).await;
                let failed = kept.is_err();
                {
                    let mut state = link.lock();
                    state.sending = false;
                    if let Err(err) = kept {
                        tracing::warn!(target: "chainrs::relay", session_id = %link.session, error = %err, "could not keep an event for the absent tab elsewhere; keeping it here and retrying");
                        state.items.push_front(Outgoing::Event(event));
                    }
                }
                link.room.notify_waiters();
                if failed {
                    tokio::time::sleep(RETRY_AWAY).await;
                }
                continue;
            }
            Some(Next::AwayAsk(ask, away)) => {
                let back = forward_ask(&link, ask, &*away).await;
                let wait = back.is_some();
                {
                    let mut state = link.lock();
                    state.sending = false;
                    if let Some(ask) = back {
                        state.items.push_front(ask);
                    }
                }
                link.room.notify_waiters();
                if wait {
                    // No instance holds the tab yet: look again shortly (or when it comes back).
                    let _ = tokio::time::timeout(ASK_POLL, wake).await;
                }
                continue;
            }
            None => {
                link.room.notify_waiters();
                wake.await;
                continue;
            }
        };
        let unsent = hand_over(&*wire, item, &link.me).await;
        {
            let mut state = link.lock();
            state.sending = false;
            if let Some(item) = unsent {
                // The connection closed under us: keep the event for the next one.
                state.items.push_front(item);
                if state.wire.as_ref().is_some_and(|(id, _)| *id == connection) {
                    state.wire = None;
                }
            }
        }
        link.room.notify_waiters();
    }
}

/// Hands a queued ask to the instance that holds the tab now; gives it back when none does
/// (or that failed). An ask whose asker stopped waiting, or whose time is up, goes.
async fn forward_ask(link: &Arc<ChatLink>, ask: Outgoing, away: &dyn Away) -> Option<Outgoing> {
    let Outgoing::Ask {
        event,
        deadline,
        answer,
    } = ask
    else {
        return Some(ask);
    };
    if answer.is_closed() {
        return None;
    }
    if left_until(deadline).is_zero() {
        let _ = answer.send(Ok(None));
        return None;
    }
    match away
        .ask(link.session, event.clone(), left_until(deadline))
        .await
    {
        Ok(Some(waiting)) => {
            tokio::spawn(settle(link.me.clone(), waiting, event, deadline, answer));
            None
        }
        Ok(None) => Some(Outgoing::Ask {
            event,
            deadline,
            answer,
        }),
        Err(err) => {
            tracing::warn!(target: "chainrs::relay", session_id = %link.session, error = %err, "could not hand the question to the tab's instance; retrying");
            Some(Outgoing::Ask {
                event,
                deadline,
                answer,
            })
        }
    }
}

/// What the writer does next.
enum Next {
    /// Hand an item to the connected tab.
    Wire(Outgoing, Uuid, Arc<dyn Wire>),
    /// Keep an event elsewhere: the tab is away.
    Away(ServerEvent, Arc<dyn Away>),
    /// Hand an ask to the tab's instance: the tab is away from this one.
    AwayAsk(Outgoing, Arc<dyn Away>),
}

/// Hands one item over, waiting while the connection is full; gives it back if the connection closed.
async fn hand_over(
    wire: &dyn Wire,
    item: Outgoing,
    link: &std::sync::Weak<ChatLink>,
) -> Option<Outgoing> {
    match item {
        Outgoing::Event(event) => loop {
            match wire.send(&event) {
                Ok(()) => return None,
                Err(WireError::Full) => tokio::time::sleep(RETRY_FULL).await,
                Err(WireError::Closed) => return Some(Outgoing::Event(event)),
                Err(WireError::Invalid(why)) => {
                    tracing::error!(target: "chainrs::chat", event = event.name(), error = %why, "could not send event");
                    return None;
                }
            }
        },
        Outgoing::Ask {
            event,
            deadline,
            answer,
        } => loop {
            if answer.is_closed() {
                // The asker stopped waiting (timed out, or its run was stopped).
                return None;
            }
            match wire.ask(&event, left_until(deadline)) {
                Ok(waiting) => {
                    tokio::spawn(settle(link.clone(), waiting, event, deadline, answer));
                    return None;
                }
                Err(WireError::Full) => tokio::time::sleep(RETRY_FULL).await,
                Err(WireError::Closed) => {
                    return Some(Outgoing::Ask {
                        event,
                        deadline,
                        answer,
                    });
                }
                Err(WireError::Invalid(why)) => {
                    let _ =
                        answer.send(Err(Error::BadRequest(format!("could not send ask: {why}"))));
                    return None;
                }
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::StreamToken;

    fn token(id: Uuid, text: &str) -> Outgoing {
        Outgoing::Event(ServerEvent::StreamToken(StreamToken {
            id,
            token: text.to_owned(),
            is_sequence: false,
            is_input: false,
        }))
    }

    fn texts(items: &VecDeque<Outgoing>) -> Vec<String> {
        items
            .iter()
            .map(|item| match item {
                Outgoing::Event(ServerEvent::StreamToken(t)) => t.token.clone(),
                Outgoing::Event(other) => other.name().to_owned(),
                Outgoing::Ask { .. } => "ask".to_owned(),
            })
            .collect()
    }

    fn push(items: &mut VecDeque<Outgoing>, item: Outgoing) {
        if let Some(item) = merge_token(items, item) {
            items.push_back(item);
        }
    }

    #[test]
    fn queued_tokens_of_one_message_merge_in_order() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let mut items = VecDeque::new();
        push(&mut items, token(a, "he"));
        push(&mut items, token(a, "llo"));
        push(&mut items, token(b, "x"));
        push(&mut items, token(a, "!"));
        push(&mut items, Outgoing::Event(ServerEvent::TaskEnd));
        push(&mut items, token(a, "?"));
        assert_eq!(texts(&items), ["hello", "x", "!", "task_end", "?"]);
    }

    #[test]
    fn merging_stops_at_the_frame_limit_and_never_merges_a_replacement() {
        let id = Uuid::new_v4();
        let mut items = VecDeque::new();
        push(&mut items, token(id, &"a".repeat(MERGE_LIMIT)));
        push(&mut items, token(id, "b"));
        let mut replace = token(id, "c");
        if let Outgoing::Event(ServerEvent::StreamToken(t)) = &mut replace {
            t.is_sequence = true;
        }
        push(&mut items, replace);
        assert_eq!(items.len(), 3);
    }

    #[tokio::test]
    async fn a_tab_that_is_away_gets_what_it_missed_in_order_and_the_newest_when_over_the_limit() {
        let link = ChatLink::start(SessionId::new(), None);
        for i in 0..QUEUE_LIMIT + 5 {
            link.deliver(ServerEvent::Custom {
                name: "n".to_owned(),
                payload: Value::from(i),
            })
            .await
            .expect("kept while away");
        }
        let (wire, mut seen) = test_wire();
        link.attach(Uuid::new_v4(), wire, false);
        link.flush(Duration::from_secs(5)).await;
        let mut got = Vec::new();
        while let Ok(event) = seen.try_recv() {
            got.push(event);
        }
        assert_eq!(
            got.len(),
            QUEUE_LIMIT + 1,
            "the kept events plus the notice"
        );
        assert!(
            matches!(&got[0], ServerEvent::Toast { message, .. } if message.starts_with("5 older"))
        );
        let numbers: Vec<Value> = got[1..].iter().map(ServerEvent::payload).collect();
        let expected: Vec<Value> = (5..QUEUE_LIMIT + 5).map(Value::from).collect();
        assert_eq!(numbers, expected);
    }

    fn test_wire() -> (
        Arc<dyn Wire>,
        tokio::sync::mpsc::UnboundedReceiver<ServerEvent>,
    ) {
        struct Channel(tokio::sync::mpsc::UnboundedSender<ServerEvent>);
        impl Wire for Channel {
            fn send(&self, event: &ServerEvent) -> std::result::Result<(), WireError> {
                self.0.send(event.clone()).map_err(|_| WireError::Closed)
            }
            fn ask(
                &self,
                _: &ServerEvent,
                _: Duration,
            ) -> std::result::Result<AskAnswer, WireError> {
                Err(WireError::Invalid("no asks here".to_owned()))
            }
        }
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (Arc::new(Channel(tx)), rx)
    }
}
