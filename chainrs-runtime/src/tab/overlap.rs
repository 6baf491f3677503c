//! A user message that arrives while a hook of its session runs (`App::on_overlap`): it waits
//! its turn, is refused, or stops what runs. "Runs" means here (a hook running or a command
//! waiting in this tab, or a run an earlier connection started on this instance) or, with
//! Redis, on another instance that is alive, which marks each hook run in Redis while the
//! policy is not `Enqueue` (see `marks.rs`).

use super::{Done, Refused, Tab, Tabs};
use crate::config::Overlap;
use crate::protocol::{ServerEvent, ToastKind};
use crate::session::SessionId;

/// What the user is told when a message is refused under [`Overlap::Reject`].
const REFUSED: &str =
    "A reply is still running: wait for it to end (or stop it), then send your message again.";

/// Marks a user message of a session as busy from its arrival until its run's `task_end` (or
/// until it is dropped: stopped, never run); the overlap policy asks whether any is.
pub(crate) struct Busy {
    tabs: std::sync::Arc<Tabs>,
    session: SessionId,
}

impl Busy {
    pub(super) fn new(tabs: &std::sync::Arc<Tabs>, session: SessionId) -> Self {
        *tabs.busy.entry(session).or_default() += 1;
        Busy {
            tabs: tabs.clone(),
            session,
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.tabs.busy.remove_if_mut(&self.session, |_, n| {
            *n = n.saturating_sub(1);
            *n == 0
        });
    }
}

/// What a new message does about runs of its session, decided when it arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Arrival {
    /// Nothing runs here and runs elsewhere do not matter (or cannot be seen): it queues.
    Queue,
    /// Nothing runs here; the worker looks for runs on other instances before it runs it.
    LookElsewhere,
    /// Something runs here: under `Interrupt` it was stopped, the message queues behind the
    /// stop.
    Interrupted,
}

impl Tabs {
    /// The app's overlap policy.
    pub(super) fn overlap(&self) -> Overlap {
        self.settings.overlap
    }

    /// Whether every hook run is marked in Redis at its start, so other instances see it.
    pub(super) fn marks_runs(&self) -> bool {
        #[cfg(feature = "redis")]
        {
            self.overlap() != Overlap::Enqueue && self.relay.is_some()
        }
        #[cfg(not(feature = "redis"))]
        false
    }

    /// Whether a hook of `session` runs on another instance.
    pub(super) async fn runs_elsewhere(&self, session: SessionId) -> bool {
        #[cfg(feature = "redis")]
        if let Some(relay) = &self.relay {
            return match relay.runs_elsewhere(session).await {
                Ok(runs) => runs,
                Err(err) => {
                    tracing::warn!(target: "chainrs::relay", session_id = %session, error = %err, "could not look for hook runs on other instances: the message runs");
                    false
                }
            };
        }
        #[cfg(not(feature = "redis"))]
        let _ = session;
        false
    }
}

impl Tab {
    /// Whether a message of this tab's session runs or waits on this instance (from its
    /// arrival to its `task_end`, whichever connection sent it).
    fn busy_here(&self) -> bool {
        self.tabs.busy.contains_key(&self.session.id)
    }

    /// Applies the overlap policy to a message arriving now (`event` names it): refuses it,
    /// stops what runs, or says how it queues.
    pub(super) fn arrive(&self, event: &str) -> Result<Arrival, Refused> {
        let overlap = self.tabs.overlap();
        if overlap == Overlap::Enqueue {
            return Ok(Arrival::Queue);
        }
        if self.busy_here() {
            return match overlap {
                Overlap::Reject => Err(self.refuse_overlap(event)),
                _ => {
                    tracing::info!(target: "chainrs::socket", parent: &self.session.span, "a message arrived while a hook runs: stopping it (Overlap::Interrupt)");
                    self.interrupt();
                    Ok(Arrival::Interrupted)
                }
            };
        }
        Ok(if self.tabs.marks_runs() {
            Arrival::LookElsewhere
        } else {
            Arrival::Queue
        })
    }

    /// Tells the tab its message was refused under [`Overlap::Reject`]: an `error` event for
    /// the message, then a toast.
    pub(super) fn refuse_overlap(&self, event: &str) -> Refused {
        tracing::info!(target: "chainrs::socket", parent: &self.session.span, event, "message refused: a hook of the session runs (Overlap::Reject)");
        let emitter = self.emitter().clone();
        let (error, toast) = (
            ServerEvent::Error {
                message: REFUSED.to_owned(),
                event: event.to_owned(),
            },
            ServerEvent::Toast {
                message: REFUSED.to_owned(),
                kind: ToastKind::Warning,
            },
        );
        let (ack, told) = Done::pair();
        tokio::spawn(async move {
            let _ = emitter.emit(error).await;
            let _ = emitter.emit(toast).await;
            let _ = ack.send(());
        });
        Refused::Reason {
            why: REFUSED.to_owned(),
            told,
        }
    }
}
