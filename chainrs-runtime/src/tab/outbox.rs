//! What the app sends while a session has no tab on this instance, with Redis: it goes to the
//! instance that holds the tab now, else into the session's outbox in Redis (the newest
//! `QUEUE_LIMIT` events, stream tokens merged), which the next tab of the session takes first,
//! on whichever instance it connects, after it claimed the session (see `relay.rs` for why that
//! order loses nothing). Taking it empties it, so nothing is delivered twice. Without Redis it
//! waits in this instance's link (see `link.rs`).

use std::sync::Arc;

use super::Tabs;
use super::link::Away;
use crate::protocol::{ServerEvent, ToastKind};
use crate::session::SessionId;

impl Tabs {
    /// Where a link's events go while its tab is away, if they can leave this instance.
    pub(super) fn away(&self) -> Option<Arc<dyn Away>> {
        #[cfg(feature = "redis")]
        if let Some(relay) = &self.relay {
            return Some(Arc::new(super::relay::Outbox::new(
                relay.clone(),
                self.sessions.ttl,
            )));
        }
        None
    }

    /// A tab of `id` connected here and is located: what was kept for it in Redis goes in
    /// front of its link's queue, then the link goes on.
    pub(super) async fn fetch_kept(&self, id: SessionId) {
        let Some(link) = self.links.get(&id).map(|l| l.clone()) else {
            return;
        };
        // What is still on its way to Redis from here lands there first.
        link.settled().await;
        let kept = self.take_kept(id).await;
        link.release(kept);
    }

    /// Takes the session's outbox (oldest first), with the notice of what did not fit.
    async fn take_kept(&self, id: SessionId) -> Vec<ServerEvent> {
        #[cfg(feature = "redis")]
        if let Some(relay) = &self.relay {
            return match relay.take_outbox(id).await {
                Ok((mut kept, dropped)) => {
                    if dropped > 0 {
                        kept.insert(
                            0,
                            ServerEvent::Toast {
                                message: format!(
                                    "{dropped} older updates could not be kept while you were disconnected"
                                ),
                                kind: ToastKind::Warning,
                            },
                        );
                    }
                    if !kept.is_empty() {
                        tracing::info!(target: "chainrs::relay", session_id = %id, events = kept.len(), "events kept while the session had no tab delivered to its tab");
                    }
                    kept
                }
                Err(err) => {
                    tracing::warn!(target: "chainrs::relay", session_id = %id, error = %err, "could not take what was kept for the tab in Redis: it stays there for the next connection");
                    Vec::new()
                }
            };
        }
        #[cfg(not(feature = "redis"))]
        let _ = (id, ToastKind::Warning);
        Vec::new()
    }
}
