//! The ordered outbox of one chat socket: every event of the session goes through it, so the
//! client sees them in the order handlers produced them, and a slow client never drops tokens.
//!
//! Handlers push; one writer task per socket pops and emits. Consecutive `stream_token`s of
//! one message that are still queued are merged (up to 64 KiB a frame), so streaming never
//! blocks a handler and never loses a token. Other events wait (backpressure) while `limit` events are queued.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use socketioxide::extract::SocketRef;
use socketioxide::{AckError, SendError, SocketError};
use tokio::sync::{Notify, oneshot};

use crate::context::{AskFuture, ChatSink, SinkFuture};
use crate::error::{Error, Result};
use crate::protocol::ServerEvent;

/// Merged tokens stop growing at this many bytes, so one frame stays reasonably small.
const MERGE_LIMIT: usize = 64 * 1024;

/// How long the writer waits before retrying when the socket's own buffer is full.
const RETRY_FULL: Duration = Duration::from_millis(2);

enum Outgoing {
    Event(ServerEvent),
    Ask {
        event: ServerEvent,
        timeout: Duration,
        answer: oneshot::Sender<Result<Option<Value>>>,
    },
}

#[derive(Default)]
struct Queue {
    items: VecDeque<Outgoing>,
    /// The writer popped an item and has not handed it to the socket yet.
    sending: bool,
    closed: bool,
}

/// The outbox of one socket; implements [`ChatSink`] for the session's emitter.
pub(crate) struct Outbox {
    queue: Mutex<Queue>,
    /// Wakes the writer when something was queued or the outbox closed.
    wake: Notify,
    /// Wakes producers waiting for room.
    room: Notify,
    limit: usize,
    session: String,
}

impl Outbox {
    /// An outbox writing to `socket`, with its writer task running.
    pub(crate) fn start(socket: SocketRef, limit: usize, session: String) -> Arc<Self> {
        let outbox = Arc::new(Outbox {
            queue: Mutex::new(Queue::default()),
            wake: Notify::new(),
            room: Notify::new(),
            limit: limit.max(1),
            session,
        });
        tokio::spawn(writer(outbox.clone(), socket));
        outbox
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits (at most `limit`) until the writer has handed every queued event to the socket,
    /// so a closing tab still gets its last events.
    pub(crate) async fn flush(&self, limit: Duration) {
        let _ = tokio::time::timeout(limit, async {
            loop {
                let room = self.room.notified();
                tokio::pin!(room);
                room.as_mut().enable();
                {
                    let queue = self.lock();
                    if queue.closed || (queue.items.is_empty() && !queue.sending) {
                        return;
                    }
                }
                room.await;
            }
        })
        .await;
    }

    /// Stops the writer; later deliveries fail and pending asks get an error.
    pub(crate) fn close(&self) {
        let dropped = {
            let mut queue = self.lock();
            queue.closed = true;
            std::mem::take(&mut queue.items)
        };
        drop(dropped);
        self.wake.notify_one();
        self.room.notify_waiters();
    }

    fn gone(&self) -> Error {
        Error::NoLiveChat(self.session.clone())
    }

    async fn push(&self, item: Outgoing) -> Result<()> {
        let mut item = Some(item);
        loop {
            let room = self.room.notified();
            tokio::pin!(room);
            room.as_mut().enable();
            {
                let mut queue = self.lock();
                if queue.closed {
                    return Err(self.gone());
                }
                let Some(next) = item.take() else {
                    return Ok(());
                };
                let next = match merge_token(&mut queue.items, next) {
                    None => {
                        drop(queue);
                        self.wake.notify_one();
                        return Ok(());
                    }
                    Some(next) => next,
                };
                let is_token = matches!(next, Outgoing::Event(ServerEvent::StreamToken(_)));
                if is_token || queue.items.len() < self.limit {
                    queue.items.push_back(next);
                    drop(queue);
                    self.wake.notify_one();
                    return Ok(());
                }
                item = Some(next);
            }
            room.await;
        }
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

impl ChatSink for Outbox {
    fn deliver(&self, event: ServerEvent) -> SinkFuture<'_> {
        Box::pin(self.push(Outgoing::Event(event)))
    }

    fn ask(&self, event: ServerEvent, timeout: Duration) -> AskFuture<'_> {
        Box::pin(async move {
            let (answer, answered) = oneshot::channel();
            self.push(Outgoing::Ask {
                event,
                timeout,
                answer,
            })
            .await?;
            answered.await.map_err(|_| self.gone())?
        })
    }
}

async fn writer(outbox: Arc<Outbox>, socket: SocketRef) {
    loop {
        let wake = outbox.wake.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        let next = {
            let mut queue = outbox.lock();
            if queue.closed {
                return;
            }
            let next = queue.items.pop_front();
            queue.sending = next.is_some();
            next
        };
        let Some(next) = next else {
            wake.await;
            continue;
        };
        let sent = match next {
            Outgoing::Event(event) => emit(&socket, &event).await,
            Outgoing::Ask {
                event,
                timeout,
                answer,
            } => ask(&socket, &event, timeout, answer).await,
        };
        outbox.lock().sending = false;
        outbox.room.notify_waiters();
        if sent.is_err() {
            tracing::debug!(target: "chainrs::socket", sid = %socket.id, "socket closed: outbox stops");
            outbox.close();
            return;
        }
    }
}

/// Emits one event, waiting while the socket's own buffer is full. `Err` when the socket closed.
async fn emit(socket: &SocketRef, event: &ServerEvent) -> std::result::Result<(), ()> {
    let payload = event.payload();
    loop {
        match socket.emit(event.name(), &payload) {
            Ok(()) => return Ok(()),
            Err(SendError::Socket(SocketError::InternalChannelFull)) => {
                tokio::time::sleep(RETRY_FULL).await;
            }
            Err(SendError::Socket(SocketError::Closed)) => return Err(()),
            Err(err) => {
                // A payload the parser cannot encode: report it and go on with the others.
                tracing::error!(target: "chainrs::socket", event = event.name(), error = %err, "could not send event");
                return Ok(());
            }
        }
    }
}

/// Emits an ask and hands the answer to the waiting handler from a separate task.
async fn ask(
    socket: &SocketRef,
    event: &ServerEvent,
    timeout: Duration,
    answer: oneshot::Sender<Result<Option<Value>>>,
) -> std::result::Result<(), ()> {
    let payload = event.payload();
    let stream = loop {
        match socket
            .timeout(timeout)
            .emit_with_ack::<_, Value>(event.name(), &payload)
        {
            Ok(stream) => break stream,
            Err(SendError::Socket(SocketError::InternalChannelFull)) => {
                tokio::time::sleep(RETRY_FULL).await;
            }
            Err(SendError::Socket(SocketError::Closed)) => return Err(()),
            Err(err) => {
                let _ = answer.send(Err(Error::BadRequest(format!("could not send ask: {err}"))));
                return Ok(());
            }
        }
    };
    tokio::spawn(async move {
        let result = match stream.await {
            Ok(value) => Ok(Some(value)),
            Err(AckError::Timeout) => Ok(None),
            Err(AckError::Decode(err)) => Err(Error::BadRequest(format!(
                "the client's answer to ask is not JSON: {err}"
            ))),
            Err(AckError::Socket(_)) => Err(Error::BadRequest(
                "the chat tab disconnected before answering".to_owned(),
            )),
        };
        let _ = answer.send(result);
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

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
}
