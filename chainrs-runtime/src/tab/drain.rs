//! An instance shutting down: it stops taking new chats (readiness, new sockets and requests
//! are refused by the surfaces while [`Tabs::draining`] holds), lets the hooks that run finish
//! for up to a grace period, stops the rest with a notice that says why, and closes its
//! sockets so their clients reconnect (to another instance, behind a load balancer).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::Tabs;
use crate::chat::Message;
use crate::protocol::{ServerEvent, StepType};
use crate::session::SessionId;

/// How often a drain looks whether the hooks are done.
const POLL: Duration = Duration::from_millis(20);

/// How long a drain waits for the closed tabs' undelivered events to reach Redis.
const SPILL_LIMIT: Duration = Duration::from_secs(3);

/// What the system message of a run stopped by a shutdown says.
const STOPPED_AT_SHUTDOWN: &str =
    "The server restarted while this was running, so it was stopped. Send your message again.";

/// How a drain ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Drained {
    /// Sessions whose runs were still going at the end of the grace period, and were stopped.
    pub(crate) stopped: usize,
}

/// Counts a command handed to a tab's worker until it is done (a drain waits for them).
pub(super) struct Queued(Arc<Tabs>);

impl Queued {
    pub(super) fn new(tabs: &Arc<Tabs>) -> Self {
        tabs.queued.fetch_add(1, Ordering::AcqRel);
        Queued(tabs.clone())
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.0.queued.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Tabs {
    /// Whether the instance is shutting down: no new chats, sockets or requests.
    pub(crate) fn draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// Whether the drain's grace is over: no hook run starts any more.
    pub(crate) fn halted(&self) -> bool {
        self.halted.load(Ordering::Acquire)
    }

    /// No hook runs here and no tab has work queued.
    fn idle(&self) -> bool {
        self.running.is_empty() && self.queued.load(Ordering::Acquire) == 0
    }

    /// Drains the instance: from now on [`Tabs::draining`] holds; the hooks that run (and the
    /// messages queued behind them) get up to `grace` to finish; what still runs then is
    /// stopped, and its tab is told (a system message, then `task_end`, so no client stays
    /// busy); then `close_sockets` runs.
    pub(crate) async fn drain(
        &self,
        grace: Duration,
        close_sockets: impl Future<Output = ()>,
    ) -> Drained {
        self.draining.store(true, Ordering::Release);
        let waiting = self.running.len();
        tracing::info!(target: "chainrs", grace_secs = grace.as_secs_f64(), sessions_running = waiting, "shutting down: new chats refused, running hooks get the grace period to finish");
        let deadline = tokio::time::Instant::now() + grace;
        while !self.idle() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(POLL).await;
        }
        self.halted.store(true, Ordering::Release);
        let busy: Vec<SessionId> = self.running.iter().map(|entry| *entry.key()).collect();
        for id in &busy {
            self.abort_running(*id);
        }
        if !busy.is_empty() {
            tracing::warn!(target: "chainrs", sessions = busy.len(), "hooks still running at the end of the shutdown grace were stopped");
        }
        for id in &busy {
            let Some(emitter) = self.live(*id) else {
                continue;
            };
            let mut notice = Message::new(STOPPED_AT_SHUTDOWN).with_author("System");
            notice.kind = StepType::SystemMessage;
            let _ = emitter
                .emit(ServerEvent::NewMessage(notice.to_step()))
                .await;
            let _ = emitter.emit(ServerEvent::TaskEnd).await;
        }
        close_sockets.await;
        // What the closed tabs had not received yet goes where their next tab takes it (with
        // Redis; without, it goes with this process).
        let spilled = tokio::time::Instant::now() + SPILL_LIMIT;
        while self.away().is_some()
            && self.links.iter().any(|link| !link.is_idle())
            && tokio::time::Instant::now() < spilled
        {
            tokio::time::sleep(POLL).await;
        }
        Drained {
            stopped: busy.len(),
        }
    }
}
