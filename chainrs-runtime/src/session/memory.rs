//! The default session store: process memory, sharded maps, no set-up.
//! Expiry uses tokio's clock, so tests can pause and advance time.

use std::collections::HashMap;
use std::time::Duration;

use dashmap::DashMap;
use tokio::time::Instant;

use super::SessionId;
use super::store::{Bucket, CasOutcome, Expired, Lookup, SessionStore, StoreFuture, Versioned};

/// The most token buckets (`take`) kept at once, so a flood of distinct keys cannot grow memory.
const MAX_BUCKETS: usize = 100_000;

/// In-memory [`SessionStore`]: the default. Sessions live as long as the process.
#[derive(Default)]
pub struct MemoryStore {
    records: DashMap<SessionId, Record>,
    /// Shared records (`claim`), with their deadlines.
    shared: DashMap<String, (String, Instant)>,
    /// Token buckets (`take`): the tokens at the last take, and when.
    buckets: DashMap<String, (f64, Instant)>,
}

struct Record {
    keys: HashMap<String, Versioned>,
    expires_at: Instant,
}

impl Record {
    fn live(&self, now: Instant) -> bool {
        self.expires_at > now
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` on the live record of `id`, dropping it first if it has expired.
    fn with_live<T>(&self, id: SessionId, f: impl FnOnce(&mut Record, Instant) -> T) -> Option<T> {
        let now = Instant::now();
        let mut entry = self.records.get_mut(&id)?;
        if !entry.live(now) {
            drop(entry);
            self.records.remove_if(&id, |_, r| !r.live(now));
            return None;
        }
        Some(f(&mut entry, now))
    }
}

impl SessionStore for MemoryStore {
    fn create<'a>(
        &'a self,
        id: SessionId,
        initial: Vec<(String, String)>,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        let now = Instant::now();
        let keys = initial
            .into_iter()
            .map(|(k, value)| (k, Versioned { version: 1, value }))
            .collect();
        let fresh = Record {
            keys,
            expires_at: now + ttl,
        };
        let created = match self.records.entry(id) {
            dashmap::Entry::Vacant(v) => {
                v.insert(fresh);
                true
            }
            dashmap::Entry::Occupied(mut o) => {
                if o.get().live(now) {
                    false
                } else {
                    o.insert(fresh);
                    true
                }
            }
        };
        Box::pin(async move { Ok(created) })
    }

    fn get<'a>(&'a self, id: SessionId, key: &'a str) -> StoreFuture<'a, Lookup> {
        let found = self
            .with_live(id, |r, _| match r.keys.get(key) {
                Some(v) => Lookup::Found(v.clone()),
                None => Lookup::NoKey,
            })
            .unwrap_or(Lookup::NoSession);
        Box::pin(async move { Ok(found) })
    }

    fn compare_and_swap<'a>(
        &'a self,
        id: SessionId,
        key: &'a str,
        expected: u64,
        value: String,
        ttl: Duration,
    ) -> StoreFuture<'a, CasOutcome> {
        let outcome = self
            .with_live(id, |r, now| {
                let current = r.keys.get(key).map_or(0, |v| v.version);
                if current != expected {
                    return CasOutcome::Conflict;
                }
                let version = current + 1;
                r.keys.insert(key.to_owned(), Versioned { version, value });
                r.expires_at = now + ttl;
                CasOutcome::Written(version)
            })
            .unwrap_or(CasOutcome::NoSession);
        Box::pin(async move { Ok(outcome) })
    }

    fn touch<'a>(&'a self, id: SessionId, ttl: Duration) -> StoreFuture<'a, bool> {
        let alive = self
            .with_live(id, |r, now| r.expires_at = now + ttl)
            .is_some();
        Box::pin(async move { Ok(alive) })
    }

    fn delete<'a>(&'a self, id: SessionId) -> StoreFuture<'a, bool> {
        let existed = self.records.remove(&id).is_some();
        Box::pin(async move { Ok(existed) })
    }

    fn purge_expired<'a>(&'a self, keep_key: &'a str) -> StoreFuture<'a, Vec<Expired>> {
        let now = Instant::now();
        let mut expired = Vec::new();
        self.records.retain(|id, r| {
            let keep = r.live(now);
            if !keep {
                expired.push(Expired {
                    id: *id,
                    kept: r.keys.get(keep_key).map(|v| v.value.clone()),
                });
            }
            keep
        });
        self.shared.retain(|_, (_, deadline)| *deadline > now);
        // A bucket left alone for an hour is full again for any refill below that.
        self.buckets
            .retain(|_, (_, since)| now.duration_since(*since) < Duration::from_secs(3600));
        if !expired.is_empty() {
            // Give memory back after a wave of sessions has gone, instead of keeping the peak.
            self.records.shrink_to_fit();
            self.shared.shrink_to_fit();
            self.buckets.shrink_to_fit();
        }
        Box::pin(async move { Ok(expired) })
    }

    fn len_hint(&self) -> Option<usize> {
        Some(self.records.len())
    }

    fn claim<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> StoreFuture<'a, String> {
        let now = Instant::now();
        let mut entry = self
            .shared
            .entry(key.to_owned())
            .or_insert_with(|| (value.clone(), now + ttl));
        let (current, deadline) = &mut *entry;
        if *deadline <= now {
            *current = value.clone();
        }
        if *current == value {
            *deadline = now + ttl;
        }
        let current = current.clone();
        Box::pin(async move { Ok(current) })
    }

    fn take<'a>(&'a self, key: &'a str, bucket: Bucket, cost: u32) -> StoreFuture<'a, Duration> {
        let now = Instant::now();
        let full = f64::from(bucket.capacity);
        if self.buckets.len() >= MAX_BUCKETS && !self.buckets.contains_key(key) {
            // A flood of distinct keys: drop the buckets that are full again; if that frees no
            // room, this key is not limited (the per-address bucket still holds one address).
            self.buckets
                .retain(|_, (_, since)| now.duration_since(*since) < bucket.refill);
            if self.buckets.len() >= MAX_BUCKETS {
                tracing::warn!(target: "chainrs::auth", "failed-login buckets are full ({MAX_BUCKETS}): not limiting a new key");
                return Box::pin(async { Ok(Duration::ZERO) });
            }
        }
        let waited = match self.buckets.get_mut(key) {
            Some(mut entry) => {
                let (tokens, since) = *entry;
                match bucket.take_from(tokens, now.duration_since(since), cost) {
                    Ok(left) => {
                        *entry = (left, now);
                        Duration::ZERO
                    }
                    Err(wait) => wait,
                }
            }
            None => match bucket.take_from(full, Duration::ZERO, cost) {
                Ok(left) => {
                    if cost > 0 {
                        self.buckets.insert(key.to_owned(), (left, now));
                    }
                    Duration::ZERO
                }
                Err(wait) => wait,
            },
        };
        Box::pin(async move { Ok(waited) })
    }

    fn set_record<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> StoreFuture<'a, ()> {
        self.shared
            .insert(key.to_owned(), (value, Instant::now() + ttl));
        Box::pin(async { Ok(()) })
    }

    fn record<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>> {
        let now = Instant::now();
        let found = self
            .shared
            .get(key)
            .filter(|entry| entry.1 > now)
            .map(|entry| entry.0.clone());
        Box::pin(async move { Ok(found) })
    }
}

#[cfg(test)]
mod bounds {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn failed_login_buckets_stay_bounded_under_a_flood_of_keys() {
        let store = MemoryStore::new();
        let bucket = Bucket {
            capacity: 1,
            refill: Duration::from_secs(60),
        };
        for i in 0..MAX_BUCKETS {
            store.take(&format!("k{i}"), bucket, 1).await.expect("take");
        }
        // Full: a new key is not limited (and not kept), a known one still is.
        assert_eq!(
            store.take("new", bucket, 1).await.expect("take"),
            Duration::ZERO
        );
        assert!(store.take("k0", bucket, 1).await.expect("take") > Duration::ZERO);
        assert_eq!(store.buckets.len(), MAX_BUCKETS);
        // Once they are full again, the old buckets make room.
        tokio::time::advance(bucket.refill + Duration::from_secs(1)).await;
        assert_eq!(
            store.take("new", bucket, 1).await.expect("take"),
            Duration::ZERO
        );
        assert_eq!(store.buckets.len(), 1);
    }
}
