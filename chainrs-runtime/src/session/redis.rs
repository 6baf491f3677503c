//! [`RedisStore`]: sessions in Redis, shared by every instance of an app, each operation one
//! atomic Lua script.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script};

use super::SessionId;
use super::store::{Bucket, CasOutcome, Expired, Lookup, SessionStore, StoreFuture, Versioned};
use crate::error::{BoxError, Error, Result};

/// How long past its deadline a session's hash stays readable for the sweeper.
const GRACE_MS: u64 = 5 * 60 * 1000;

/// At most this many expired sessions are purged per sweep call.
/// A shared record: set unless present (then the one present wins); a present value equal to
/// the claim gets its TTL refreshed.
const CLAIM: &str = r#"
local current = redis.call('GET', KEYS[1])
if current then
  if current == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  return current
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
"#;

/// A token bucket: KEYS: the bucket. ARGV: capacity, refill_ms, cost. The bucket holds
/// "tokens:last_ms"; returns the milliseconds to wait (0: the tokens were there, and taken).
const TAKE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local tokens, last = capacity, now
local held = redis.call('GET', KEYS[1])
if held then
  local sep = string.find(held, ':')
  tokens = tonumber(string.sub(held, 1, sep - 1))
  last = tonumber(string.sub(held, sep + 1))
end
local per_token = refill / capacity
tokens = math.min(capacity, tokens + (now - last) / per_token)
local need = math.max(cost, 1)
if tokens < need then return math.ceil((need - tokens) * per_token) end
if cost > 0 then
  redis.call('SET', KEYS[1], tostring(tokens - cost) .. ':' .. tostring(now), 'PX', refill)
end
return 0
"#;

const PURGE_BATCH: usize = 500;

/// Now in milliseconds by Redis's clock, and whether session ARGV[1] is alive.
const PRELUDE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function alive(id)
  local d = redis.call('ZSCORE', KEYS[2], id)
  return d ~= false and d ~= nil and tonumber(d) > now
end
"#;

/// KEYS: hash, deadlines. ARGV: id, ttl_ms, grace_ms, key1, value1, key2, value2, ...
const CREATE: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 then
  if alive(ARGV[1]) then return 0 end
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], '_', '1')
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[1], 'v:' .. ARGV[i], ARGV[i + 1], 'n:' .. ARGV[i], '1')
end
local ttl = tonumber(ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl + tonumber(ARGV[3]))
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
return 1
"#;

/// KEYS: hash, deadlines. ARGV: id, key. Returns {0} no session, {1} no key, {2, value, version}.
const GET: &str = r#"
if not alive(ARGV[1]) then
  -- The marker written at connect is gone too: Redis lost its data, not this one session.
  if redis.call('EXISTS', KEYS[3]) == 0 then
    redis.call('SET', KEYS[3], '1')
    return {3}
  end
  return {0}
end
local v = redis.call('HGET', KEYS[1], 'v:' .. ARGV[2])
if not v then
  if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
  return {1}
end
return {2, v, tonumber(redis.call('HGET', KEYS[1], 'n:' .. ARGV[2]) or '0')}
"#;

/// KEYS: hash, deadlines. ARGV: id, key, expected, value, ttl_ms, grace_ms.
/// Returns the new version, -1 (no session) or -2 (conflict).
const CAS: &str = r#"
if not alive(ARGV[1]) or redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local field = 'n:' .. ARGV[2]
local current = tonumber(redis.call('HGET', KEYS[1], field) or '0')
local writes = redis.call('HGET', KEYS[1], 'w:' .. ARGV[2]) or ''
-- The same write again (a retry after a lost reply): it is done, at the version it made.
for w in string.gmatch(writes, '[^,]+') do
  if w == ARGV[7] then return current end
end
if current ~= tonumber(ARGV[3]) then return -2 end
local version = current + 1
-- The last few write ids of the key, so a writer whose reply was lost can tell if it landed.
local recent = ARGV[7]
local kept = 1
for w in string.gmatch(writes, '[^,]+') do
  if kept < 8 then recent = recent .. ',' .. w; kept = kept + 1 end
end
redis.call('HSET', KEYS[1], 'v:' .. ARGV[2], ARGV[4], field, tostring(version), 'w:' .. ARGV[2], recent)
local ttl = tonumber(ARGV[5])
redis.call('PEXPIRE', KEYS[1], ttl + tonumber(ARGV[6]))
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
return version
"#;

/// KEYS: hash, deadlines. ARGV: id, ttl_ms, grace_ms. Returns 1 when refreshed.
const TOUCH: &str = r#"
if not alive(ARGV[1]) or redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local ttl = tonumber(ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl + tonumber(ARGV[3]))
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
return 1
"#;

/// KEYS: hash, deadlines. ARGV: id. Returns 1 when the session existed.
const DELETE: &str = r#"
local existed = alive(ARGV[1]) and redis.call('EXISTS', KEYS[1]) == 1
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if existed then return 1 end
return 0
"#;

/// KEYS: (unused), deadlines. ARGV: (unused), hash prefix, kept key, batch.
/// Returns {id1, kept1 or false, id2, kept2 or false, ...}.
const PURGE: &str = r#"
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, id in ipairs(ids) do
  local hash = ARGV[2] .. id
  local kept = redis.call('HGET', hash, 'v:' .. ARGV[3])
  redis.call('DEL', hash)
  redis.call('ZREM', KEYS[2], id)
  table.insert(out, id)
  table.insert(out, kept)
end
return out
"#;

/// Sessions in Redis. Cheap to clone: clones share one connection.
///
/// One hash per session (`{prefix}s:{id}`) holds each key's value and version; a sorted set
/// (`{prefix}deadlines`) holds each session's deadline. Every operation is one Lua script, so a
/// compare-and-swap, its TTL refresh and the "never resurrect" check are one round trip.
///
/// A session is gone once its deadline passes (Redis's clock); the hash itself carries a Redis
/// TTL a little longer than that, so an instance sweeping in time can still read its facts to
/// report its end, and nothing outlives it if no instance sweeps. Needs Redis 6.2 or newer
/// (not Redis Cluster: a session's keys share no hash slot).
#[derive(Clone)]
pub struct RedisStore {
    client: Client,
    connection: ConnectionManager,
    prefix: String,
    scripts: std::sync::Arc<Scripts>,
}

struct Scripts {
    create: Script,
    get: Script,
    cas: Script,
    touch: Script,
    delete: Script,
    purge: Script,
    claim: Script,
    take: Script,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port/db`), keeping this app's keys under `prefix`
    /// (give each app, and each test, its own). Fails when Redis does not answer.
    pub async fn connect(url: &str, prefix: impl Into<String>) -> Result<Self> {
        let unreachable = |e: redis::RedisError| {
            Error::Config(format!(
                "Redis at {url} is unreachable ({e}): start it, or fix CHAINRS_REDIS_URL"
            ))
        };
        let client = Client::open(url).map_err(|e| {
            Error::Config(format!(
                "CHAINRS_REDIS_URL {url:?} is not a Redis URL ({e}); write it as redis://host:port/db"
            ))
        })?;
        // Fail fast while Redis is down (requests get 503) and reconnect by itself after.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let mut connection = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(unreachable)?;
        let pong: String = redis::cmd("PING")
            .query_async(&mut connection)
            .await
            .map_err(unreachable)?;
        tracing::info!(target: "chainrs::session", url, reply = %pong, "connected to Redis");
        let prefix = prefix.into();
        let _: Option<String> = redis::cmd("SET")
            .arg(format!("{prefix}store"))
            .arg("1")
            .arg("NX")
            .query_async(&mut connection)
            .await
            .map_err(unreachable)?;
        let with = |body: &str| Script::new(&format!("{PRELUDE}{body}"));
        Ok(RedisStore {
            client,
            connection,
            prefix,
            scripts: std::sync::Arc::new(Scripts {
                create: with(CREATE),
                get: with(GET),
                cas: with(CAS),
                touch: with(TOUCH),
                delete: with(DELETE),
                purge: with(PURGE),
                claim: Script::new(CLAIM),
                take: Script::new(TAKE),
            }),
        })
    }

    /// The key prefix of this store.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn hash(&self, id: SessionId) -> String {
        format!("{}s:{id}", self.prefix)
    }

    /// The key written at connect whose absence means Redis lost its data.
    fn marker(&self) -> String {
        format!("{}store", self.prefix)
    }

    fn shared(&self, key: &str) -> String {
        format!("{}r:{key}", self.prefix)
    }

    fn deadlines(&self) -> String {
        format!("{}deadlines", self.prefix)
    }

    /// What became of the write `write` of `key` whose reply was lost: `Written` when Redis
    /// holds it, an error saying it was not written otherwise. Asks until Redis answers, for
    /// a bounded time, so the caller is never told the opposite of what happened.
    async fn outcome_of(
        &self,
        id: SessionId,
        key: &str,
        write: &str,
        lost: redis::RedisError,
    ) -> std::result::Result<CasOutcome, BoxError> {
        tracing::warn!(target: "chainrs::session", session_id = %id, key, error = %lost, "a compare-and-swap reply was lost: reading back whether it landed");
        let deadline = tokio::time::Instant::now() + OUTCOME_LIMIT;
        // The write may still sit in the socket of a connection that was replaced: once Redis
        // answers again, give it a moment to run what it had read, and look twice.
        let mut answered = 0;
        loop {
            match self.written_by(id, key, write).await {
                Ok(Some(version)) => {
                    tracing::info!(target: "chainrs::session", session_id = %id, key, "the compare-and-swap had landed");
                    return Ok(CasOutcome::Written(version));
                }
                Ok(None) if answered >= 1 => {
                    return Err(format!(
                        "Redis compare-and-swap failed: its reply was lost ({lost}) and Redis does not hold the write, so it was not applied; retrying is safe"
                    )
                    .into());
                }
                Ok(None) => {
                    answered += 1;
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Err(err) if tokio::time::Instant::now() < deadline => {
                    tracing::debug!(target: "chainrs::session", error = %err, "read-back failed; asking again");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(err) => {
                    return Err(format!(
                        "Redis compare-and-swap outcome unknown: its reply was lost ({lost}) and Redis did not answer for {OUTCOME_LIMIT:?} ({err}); read the value before writing it again"
                    )
                    .into());
                }
            }
        }
    }

    /// The key's version when Redis holds the write `write`, else `None`.
    async fn written_by(
        &self,
        id: SessionId,
        key: &str,
        write: &str,
    ) -> Result<Option<u64>, redis::RedisError> {
        let (writes, version): (Option<String>, Option<u64>) = redis::cmd("HMGET")
            .arg(self.hash(id))
            .arg(format!("w:{key}"))
            .arg(format!("n:{key}"))
            .query_async(&mut self.connection())
            .await?;
        let landed = writes
            .as_deref()
            .is_some_and(|w| w.split(',').any(|w| w == write));
        Ok(landed.then(|| version.unwrap_or(0)))
    }

    pub(crate) fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }
}

/// How long a writer whose reply was lost keeps asking Redis what became of its write.
const OUTCOME_LIMIT: Duration = Duration::from_secs(15);

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn failed(op: &'static str) -> impl Fn(redis::RedisError) -> BoxError {
    move |e| format!("Redis {op} failed: {e}").into()
}

impl SessionStore for RedisStore {
    fn create<'a>(
        &'a self,
        id: SessionId,
        initial: Vec<(String, String)>,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut invocation = self.scripts.create.prepare_invoke();
            invocation
                .key(self.hash(id))
                .key(self.deadlines())
                .arg(id.to_string())
                .arg(millis(ttl))
                .arg(GRACE_MS);
            for (key, value) in &initial {
                invocation.arg(key).arg(value);
            }
            let created: i64 = invocation
                .invoke_async(&mut self.connection())
                .await
                .map_err(failed("create"))?;
            Ok(created == 1)
        })
    }

    fn get<'a>(&'a self, id: SessionId, key: &'a str) -> StoreFuture<'a, Lookup> {
        Box::pin(async move {
            let reply: redis::Value = self
                .scripts
                .get
                .key(self.hash(id))
                .key(self.deadlines())
                .key(self.marker())
                .arg(id.to_string())
                .arg(key)
                .invoke_async(&mut self.connection())
                .await
                .map_err(failed("get"))?;
            decode_lookup(reply)
        })
    }

    fn compare_and_swap<'a>(
        &'a self,
        id: SessionId,
        key: &'a str,
        expected: u64,
        value: String,
        ttl: Duration,
    ) -> StoreFuture<'a, CasOutcome> {
        Box::pin(async move {
            let write = uuid::Uuid::new_v4().simple().to_string();
            let sent: Result<i64, redis::RedisError> = self
                .scripts
                .cas
                .key(self.hash(id))
                .key(self.deadlines())
                .arg(id.to_string())
                .arg(key)
                .arg(expected)
                .arg(value)
                .arg(millis(ttl))
                .arg(GRACE_MS)
                .arg(&write)
                .invoke_async(&mut self.connection())
                .await;
            let outcome = match sent {
                Ok(outcome) => outcome,
                // The reply was lost, not the request: ask Redis whether the write landed.
                Err(err) if err.is_timeout() || err.is_connection_dropped() => {
                    return self.outcome_of(id, key, &write, err).await;
                }
                Err(err) => return Err(failed("compare-and-swap")(err)),
            };
            Ok(match outcome {
                -1 => CasOutcome::NoSession,
                -2 => CasOutcome::Conflict,
                version => CasOutcome::Written(u64::try_from(version).unwrap_or(0)),
            })
        })
    }

    fn touch<'a>(&'a self, id: SessionId, ttl: Duration) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let touched: i64 = self
                .scripts
                .touch
                .key(self.hash(id))
                .key(self.deadlines())
                .arg(id.to_string())
                .arg(millis(ttl))
                .arg(GRACE_MS)
                .invoke_async(&mut self.connection())
                .await
                .map_err(failed("touch"))?;
            Ok(touched == 1)
        })
    }

    fn delete<'a>(&'a self, id: SessionId) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let existed: i64 = self
                .scripts
                .delete
                .key(self.hash(id))
                .key(self.deadlines())
                .arg(id.to_string())
                .invoke_async(&mut self.connection())
                .await
                .map_err(failed("delete"))?;
            Ok(existed == 1)
        })
    }

    fn claim<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> StoreFuture<'a, String> {
        Box::pin(async move {
            let current: String = self
                .scripts
                .claim
                .key(self.shared(key))
                .arg(value)
                .arg(millis(ttl))
                .invoke_async(&mut self.connection())
                .await
                .map_err(failed("claim"))?;
            Ok(current)
        })
    }

    fn records<'a>(&'a self, keys: &'a [String]) -> StoreFuture<'a, Vec<Option<String>>> {
        Box::pin(async move {
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let mut mget = redis::cmd("MGET");
            for key in keys {
                mget.arg(self.shared(key));
            }
            let found: Vec<Option<String>> = mget
                .query_async(&mut self.connection())
                .await
                .map_err(failed("records"))?;
            Ok(found)
        })
    }

    fn take<'a>(&'a self, key: &'a str, bucket: Bucket, cost: u32) -> StoreFuture<'a, Duration> {
        Box::pin(async move {
            let wait_ms: u64 = self
                .scripts
                .take
                .key(self.shared(key))
                .arg(bucket.capacity.max(1))
                .arg(millis(bucket.refill).max(1))
                .arg(cost)
                .invoke_async(&mut self.connection())
                .await
                .map_err(failed("take"))?;
            Ok(Duration::from_millis(wait_ms))
        })
    }

    fn set_record<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let _: () = redis::cmd("SET")
                .arg(self.shared(key))
                .arg(value)
                .arg("PX")
                .arg(millis(ttl).max(1))
                .query_async(&mut self.connection())
                .await
                .map_err(failed("set_record"))?;
            Ok(())
        })
    }

    fn record<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            let found: Option<String> = redis::cmd("GET")
                .arg(self.shared(key))
                .query_async(&mut self.connection())
                .await
                .map_err(failed("record"))?;
            Ok(found)
        })
    }

    fn purge_expired<'a>(&'a self, keep_key: &'a str) -> StoreFuture<'a, Vec<Expired>> {
        Box::pin(async move {
            let reply: Vec<redis::Value> = self
                .scripts
                .purge
                .key(format!("{}unused", self.prefix))
                .key(self.deadlines())
                .arg("")
                .arg(format!("{}s:", self.prefix))
                .arg(keep_key)
                .arg(PURGE_BATCH)
                .invoke_async(&mut self.connection())
                .await
                .map_err(failed("purge"))?;
            let mut expired = Vec::with_capacity(reply.len() / 2);
            for pair in reply.chunks(2) {
                let Some(id) = pair.first().and_then(text) else {
                    continue;
                };
                let Ok(id) = id.parse::<SessionId>() else {
                    continue;
                };
                expired.push(Expired {
                    id,
                    kept: pair.get(1).and_then(text),
                });
            }
            Ok(expired)
        })
    }
}

fn text(value: &redis::Value) -> Option<String> {
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        redis::Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

fn decode_lookup(reply: redis::Value) -> std::result::Result<Lookup, BoxError> {
    let redis::Value::Array(items) = reply else {
        return Err("Redis get: unexpected reply".into());
    };
    match items.first() {
        Some(redis::Value::Int(0)) => Ok(Lookup::NoSession),
        Some(redis::Value::Int(1)) => Ok(Lookup::NoKey),
        Some(redis::Value::Int(3)) => {
            tracing::error!(target: "chainrs::session", "the session store lost its data: Redis holds none of this app's sessions (restarted without persistence, or flushed)");
            Err(
                "Redis lost every session of this app (it restarted without persistence, or was \
             flushed): the session is gone with the others; start a new chat, and give Redis \
             persistence (appendonly yes) to keep sessions across its restarts"
                    .into(),
            )
        }
        Some(redis::Value::Int(2)) => {
            let value = items
                .get(1)
                .and_then(text)
                .ok_or("Redis get: the value is not text")?;
            let version = match items.get(2) {
                Some(redis::Value::Int(v)) => u64::try_from(*v).unwrap_or(0),
                _ => 0,
            };
            Ok(Lookup::Found(Versioned { value, version }))
        }
        _ => Err("Redis get: unexpected reply".into()),
    }
}
