//! The storage contract behind every session: versioned keys, compare-and-swap, TTL.
//! `MemoryStore` (memory.rs) and `RedisStore` (redis.rs, `redis` feature) implement it.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::SessionId;
use crate::error::BoxError;

/// The future a store call returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send + 'a>>;

/// A stored value with its version. Versions start at 1 and grow by one per write; 0 means absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned {
    /// The version of this value.
    pub version: u64,
    /// The value, as JSON text.
    pub value: String,
}

/// What a read found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The session does not exist (never created, expired or deleted).
    NoSession,
    /// The session exists but the key was never written.
    NoKey,
    /// The key's current value.
    Found(Versioned),
}

/// What a conditional write did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CasOutcome {
    /// Written; this is the new version.
    Written(u64),
    /// The key's version was not the expected one: read again and retry.
    Conflict,
    /// The session does not exist: nothing was written (a store never resurrects a session).
    NoSession,
}

/// A token bucket: `capacity` tokens, refilled evenly over `refill` (a full bucket again after
/// `refill` without taking).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bucket {
    /// The most tokens it holds.
    pub capacity: u32,
    /// How long an empty bucket takes to fill.
    pub refill: Duration,
}

impl Bucket {
    /// The tokens in a bucket that held `tokens` `elapsed` ago, and what taking `cost` then
    /// leaves (`Ok`) or how long until it can (`Err`).
    pub fn take_from(self, tokens: f64, elapsed: Duration, cost: u32) -> Result<f64, Duration> {
        let capacity = f64::from(self.capacity.max(1));
        let per_token = self.refill.as_secs_f64() / capacity;
        let refilled = if per_token > 0.0 {
            elapsed.as_secs_f64() / per_token
        } else {
            capacity
        };
        let now = (tokens + refilled).min(capacity);
        let need = f64::from(cost.max(1));
        if now >= need {
            Ok(now - f64::from(cost))
        } else {
            Err(Duration::from_secs_f64((need - now) * per_token))
        }
    }
}

/// A session the store found expired and removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expired {
    /// Its id.
    pub id: SessionId,
    /// The last value of the key the caller asked to keep, if it had one.
    pub kept: Option<String>,
}

/// Session storage: one record per session holding versioned keys, expiring `ttl` after the last write or touch.
///
/// Implementations must make [`compare_and_swap`](SessionStore::compare_and_swap) atomic per key
/// (across processes for a shared store), refresh the session's TTL in the same operation, and never
/// create a session in any call but [`create`](SessionStore::create).
pub trait SessionStore: Send + Sync + 'static {
    /// Creates the session with these initial keys (each at version 1) unless it exists.
    /// Returns `false`, changing nothing, when it exists already.
    fn create<'a>(
        &'a self,
        id: SessionId,
        initial: Vec<(String, String)>,
        ttl: Duration,
    ) -> StoreFuture<'a, bool>;

    /// Reads one key.
    fn get<'a>(&'a self, id: SessionId, key: &'a str) -> StoreFuture<'a, Lookup>;

    /// Writes `value` if the key's version is `expected` (0 for "never written"), refreshing the TTL.
    fn compare_and_swap<'a>(
        &'a self,
        id: SessionId,
        key: &'a str,
        expected: u64,
        value: String,
        ttl: Duration,
    ) -> StoreFuture<'a, CasOutcome>;

    /// Refreshes the TTL. Returns `false` when the session does not exist.
    fn touch<'a>(&'a self, id: SessionId, ttl: Duration) -> StoreFuture<'a, bool>;

    /// Deletes the session and all its keys. Returns whether it existed.
    fn delete<'a>(&'a self, id: SessionId) -> StoreFuture<'a, bool>;

    /// Removes every expired session and returns their ids, each with the last value of
    /// `keep_key` (the session's built-in facts, so its end can still be reported). A store
    /// whose backend expires records by itself may return only what it noticed.
    fn purge_expired<'a>(&'a self, keep_key: &'a str) -> StoreFuture<'a, Vec<Expired>>;

    /// How many sessions the store holds (live or not yet purged), when it can tell cheaply.
    fn len_hint(&self) -> Option<usize> {
        None
    }

    /// Records a small value shared by every instance under `key` (who owns a thread), kept for
    /// `ttl`, unless one is there already. Returns the value in force: `value` when it was
    /// recorded, else the one already there; a recorded `value` equal to it gets its TTL
    /// refreshed.
    ///
    /// A store without shared records keeps this default and [`record`](SessionStore::record)'s,
    /// which keep nothing: ownership is then only checked on the instance that saw the thread.
    fn claim<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> StoreFuture<'a, String> {
        let _ = (key, ttl);
        Box::pin(async { Ok(value) })
    }

    /// The value recorded under `key`, if one is (see [`claim`](SessionStore::claim)).
    fn record<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>> {
        let _ = key;
        Box::pin(async { Ok(None) })
    }

    /// The values recorded under each of `keys`, in order (one round trip where the store can).
    fn records<'a>(&'a self, keys: &'a [String]) -> StoreFuture<'a, Vec<Option<String>>> {
        Box::pin(async move {
            let mut found = Vec::with_capacity(keys.len());
            for key in keys {
                found.push(self.record(key).await?);
            }
            Ok(found)
        })
    }

    /// Takes `cost` tokens from the token bucket under `key` (full when new; `cost` 0 only
    /// looks). Returns how long until `cost` tokens (at least one) are there: zero when they
    /// were, and then they were taken. A store without shared records keeps this default,
    /// which has tokens for everyone (and so never limits).
    fn take<'a>(&'a self, key: &'a str, bucket: Bucket, cost: u32) -> StoreFuture<'a, Duration> {
        let _ = (key, bucket, cost);
        Box::pin(async { Ok(Duration::ZERO) })
    }

    /// Records `value` under `key` for `ttl`, replacing what was there (a revocation).
    fn set_record<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> StoreFuture<'a, ()> {
        let _ = (key, value, ttl);
        Box::pin(async { Ok(()) })
    }
}

/// A shared store is a store: several apps (or a test and its app) can use one.
impl<S: SessionStore + ?Sized> SessionStore for std::sync::Arc<S> {
    fn create<'a>(
        &'a self,
        id: SessionId,
        initial: Vec<(String, String)>,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        (**self).create(id, initial, ttl)
    }

    fn get<'a>(&'a self, id: SessionId, key: &'a str) -> StoreFuture<'a, Lookup> {
        (**self).get(id, key)
    }

    fn compare_and_swap<'a>(
        &'a self,
        id: SessionId,
        key: &'a str,
        expected: u64,
        value: String,
        ttl: Duration,
    ) -> StoreFuture<'a, CasOutcome> {
        (**self).compare_and_swap(id, key, expected, value, ttl)
    }

    fn touch<'a>(&'a self, id: SessionId, ttl: Duration) -> StoreFuture<'a, bool> {
        (**self).touch(id, ttl)
    }

    fn delete<'a>(&'a self, id: SessionId) -> StoreFuture<'a, bool> {
        (**self).delete(id)
    }

    fn purge_expired<'a>(&'a self, keep_key: &'a str) -> StoreFuture<'a, Vec<Expired>> {
        (**self).purge_expired(keep_key)
    }

    fn len_hint(&self) -> Option<usize> {
        (**self).len_hint()
    }

    fn claim<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> StoreFuture<'a, String> {
        (**self).claim(key, value, ttl)
    }

    fn record<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>> {
        (**self).record(key)
    }

    fn records<'a>(&'a self, keys: &'a [String]) -> StoreFuture<'a, Vec<Option<String>>> {
        (**self).records(keys)
    }

    fn set_record<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> StoreFuture<'a, ()> {
        (**self).set_record(key, value, ttl)
    }

    fn take<'a>(&'a self, key: &'a str, bucket: Bucket, cost: u32) -> StoreFuture<'a, Duration> {
        (**self).take(key, bucket, cost)
    }
}
