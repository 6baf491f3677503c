//! Hook runs marked in Redis while they run, so the other instances see them: the overlap
//! policy looks for runs elsewhere (every run is marked at its start while the policy is not
//! `Enqueue`), and a tab that moves to another instance learns that a run was lost with the
//! instance it ran on (killed): runs that last longer than [`LONG_RUN`] are marked, so short
//! runs cost no Redis command. Without Redis nothing is marked.

#[cfg(feature = "redis")]
use std::sync::Arc;
#[cfg(feature = "redis")]
use std::sync::atomic::{AtomicBool, Ordering};
#[cfg(feature = "redis")]
use std::time::Duration;

#[cfg(feature = "redis")]
use tokio::task::JoinHandle;

use super::{Tab, Tabs};
#[cfg(feature = "redis")]
use crate::chat::Message;
#[cfg(feature = "redis")]
use crate::protocol::{ServerEvent, StepType};
use crate::session::SessionId;

/// A run lasting longer than this is marked (when the overlap policy does not mark every run).
#[cfg(feature = "redis")]
const LONG_RUN: Duration = Duration::from_secs(1);

/// What a tab that moved is told when the run it waited for was lost with its instance.
#[cfg(feature = "redis")]
const LOST: &str = "The server that was answering stopped before the reply ended (it restarted or failed). Send your message again.";

/// A run's mark, from its start to its end.
pub(super) struct RunMark {
    #[cfg(feature = "redis")]
    mark: Option<Marking>,
}

#[cfg(feature = "redis")]
struct Marking {
    relay: Arc<super::Relay>,
    session: SessionId,
    mark: String,
    /// Whether the mark was (or is being) written.
    written: Arc<AtomicBool>,
    /// The delayed writer of a long run's mark.
    later: Option<JoinHandle<()>>,
}

impl Tabs {
    /// Marks a hook run of `session` that starts now: at once under an overlap policy that
    /// needs it, else once it has run for [`LONG_RUN`].
    pub(super) async fn run_started(&self, session: SessionId) -> RunMark {
        #[cfg(feature = "redis")]
        if let Some(relay) = self.relay.clone() {
            let mark = relay.new_mark();
            let written = Arc::new(AtomicBool::new(false));
            let later = if self.marks_runs() {
                written.store(true, Ordering::Release);
                put(&relay, session, &mark).await;
                None
            } else {
                let (relay, mark, written) = (relay.clone(), mark.clone(), written.clone());
                Some(tokio::spawn(async move {
                    tokio::time::sleep(LONG_RUN).await;
                    written.store(true, Ordering::Release);
                    put(&relay, session, &mark).await;
                }))
            };
            return RunMark {
                mark: Some(Marking {
                    relay,
                    session,
                    mark,
                    written,
                    later,
                }),
            };
        }
        #[cfg(not(feature = "redis"))]
        let _ = session;
        RunMark {
            #[cfg(feature = "redis")]
            mark: None,
        }
    }

    /// The run ended: its mark goes (if it was written).
    pub(super) async fn run_ended(&self, run: RunMark) {
        #[cfg(feature = "redis")]
        if let Some(marking) = run.mark {
            if let Some(later) = marking.later {
                later.abort();
            }
            if marking.written.load(Ordering::Acquire) {
                if let Err(err) = marking
                    .relay
                    .unmark_run(marking.session, &marking.mark)
                    .await
                {
                    tracing::warn!(target: "chainrs::relay", session_id = %marking.session, error = %err, "could not unmark the ended hook run (its mark lapses by itself)");
                }
            } else {
                marking.relay.forget_mark(&marking.mark);
            }
        }
        #[cfg(not(feature = "redis"))]
        let _ = run;
    }
}

/// Writes a run's mark; a failure is logged (the run goes on, unseen by the others).
#[cfg(feature = "redis")]
async fn put(relay: &super::Relay, session: SessionId, mark: &str) {
    if let Err(err) = relay.mark_run(session, mark).await {
        tracing::warn!(target: "chainrs::relay", session_id = %session, error = %err, "could not mark the hook run in Redis: other instances do not see it");
    }
}

/// Tells a tab that joined its session here whether runs of the session were lost with the
/// instance they ran on: a system message saying so (its task already ended when it joined).
pub(super) async fn report_lost(tab: &Tab) {
    #[cfg(feature = "redis")]
    if let Some(relay) = &tab.tabs.relay {
        match relay.lost_runs(tab.session.id).await {
            Ok(0) => {}
            Ok(lost) => {
                tracing::warn!(target: "chainrs::relay", parent: &tab.session.span, lost, "hook runs of the session were lost with the instance they ran on: the tab is told");
                let mut notice = Message::new(LOST).with_author("System");
                notice.kind = StepType::SystemMessage;
                notice.thread_id = Some(tab.session.thread_id());
                tab.emit(ServerEvent::NewMessage(notice.to_step())).await;
            }
            Err(err) => {
                tracing::warn!(target: "chainrs::relay", parent: &tab.session.span, error = %err, "could not look for hook runs lost with another instance");
            }
        }
    }
    #[cfg(not(feature = "redis"))]
    let _ = tab;
}
