//! The default session store: process memory, sharded maps, no set-up.
//! Expiry uses tokio's clock, so tests can pause and advance time.

use std::collections::HashMap;
use std::time::Duration;

use dashmap::DashMap;
use tokio::time::Instant;

use super::SessionId;
use super::store::{CasOutcome, Expired, Lookup, SessionStore, StoreFuture, Versioned};

/// The most counters (`hit`) kept at once, so a flood of distinct keys cannot grow memory.
const MAX_COUNTERS: usize = 100_000;

/// In-memory [`SessionStore`]: the default. Sessions live as long as the process.
#[derive(Default)]
pub struct MemoryStore {
    records: DashMap<SessionId, Record>,
    /// Shared records (`claim`), with their deadlines.
    shared: DashMap<String, (String, Instant)>,
    /// Counters (`hit`), with the end of their windows.
    counters: DashMap<String, (u64, Instant)>,
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
        self.counters.retain(|_, (_, deadline)| *deadline > now);
        if !expired.is_empty() {
            // Give memory back after a wave of sessions has gone, instead of keeping the peak.
            self.records.shrink_to_fit();
            self.shared.shrink_to_fit();
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

    fn hit<'a>(&'a self, key: &'a str, window: Duration) -> StoreFuture<'a, (u64, Duration)> {
        let now = Instant::now();
        if self.counters.len() >= MAX_COUNTERS && !self.counters.contains_key(key) {
            // A flood of distinct keys: drop the counts that ended; if that frees no room, this
            // key goes uncounted (the per-address count still holds a flood from one address).
            self.counters.retain(|_, (_, deadline)| *deadline > now);
            if self.counters.len() >= MAX_COUNTERS {
                tracing::warn!(target: "chainrs::auth", "failed-login counters are full ({MAX_COUNTERS}): not counting a new key");
                return Box::pin(async move { Ok((0, window)) });
            }
        }
        let mut entry = self
            .counters
            .entry(key.to_owned())
            .or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        let counted = (entry.0, entry.1 - now);
        Box::pin(async move { Ok(counted) })
    }

    fn hits<'a>(&'a self, key: &'a str) -> StoreFuture<'a, (u64, Duration)> {
        let now = Instant::now();
        let counted = self
            .counters
            .get(key)
            .filter(|entry| entry.1 > now)
            .map_or((0, Duration::ZERO), |entry| (entry.0, entry.1 - now));
        Box::pin(async move { Ok(counted) })
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
    async fn failed_login_counters_stay_bounded_under_a_flood_of_keys() {
        let store = MemoryStore::new();
        let window = Duration::from_secs(60);
        for i in 0..MAX_COUNTERS {
            store.hit(&format!("k{i}"), window).await.expect("hit");
        }
        // Full: a new key goes uncounted, a known one still counts.
        assert_eq!(store.hit("new", window).await.expect("hit").0, 0);
        assert_eq!(store.hit("k0", window).await.expect("hit").0, 2);
        assert_eq!(store.counters.len(), MAX_COUNTERS);
        // Once their window ended, the old counts make room.
        tokio::time::advance(window + Duration::from_secs(1)).await;
        assert_eq!(store.hit("new", window).await.expect("hit").0, 1);
        assert_eq!(store.counters.len(), 1);
    }
}
