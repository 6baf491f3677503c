//! [`RedisFileStore`]: small files in Redis, so every instance that shares the sessions reads
//! them. One hash per file (`{prefix}f:{session}:{id}`: `info`, `data`) and a set of a session's
//! file ids (`{prefix}fs:{session}`), both expiring after the store's lifetime.

use std::time::Duration;

use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use uuid::Uuid;

use super::{FileChunks, FileError, FileFuture, FileInfo, FileStore, chunks_of, limited};
use crate::session::{RedisStore, SessionId};

/// The largest file it keeps by default.
const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// How long it keeps a file by default, unless its session ends first.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Files in the Redis that holds the sessions: the default store of an app with Redis
/// sessions. It keeps files up to [`max_bytes`](Self::max_bytes) (10 MiB by default): a larger
/// upload is refused as too large; for large files across instances, give every instance a
/// [`DiskStore`](super::DiskStore) on a shared volume.
#[derive(Clone)]
pub struct RedisFileStore {
    connection: ConnectionManager,
    prefix: String,
    max_bytes: u64,
    lifetime: Duration,
}

impl std::fmt::Debug for RedisFileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisFileStore")
            .field("prefix", &self.prefix)
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

impl RedisFileStore {
    /// Files beside `sessions`' keys (same connection and prefix).
    pub fn new(sessions: &RedisStore) -> Self {
        RedisFileStore {
            connection: sessions.connection(),
            prefix: sessions.prefix().to_owned(),
            max_bytes: DEFAULT_MAX_BYTES,
            lifetime: DEFAULT_LIFETIME,
        }
    }

    /// The largest file it keeps.
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// How long a file is kept when its session does not end first (at least one second).
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime.max(Duration::from_secs(1));
        self
    }

    fn file_key(&self, session: SessionId, id: Uuid) -> String {
        format!("{}f:{session}:{id}", self.prefix)
    }

    fn list_key(&self, session: SessionId) -> String {
        format!("{}fs:{session}", self.prefix)
    }
}

fn storage(err: redis::RedisError) -> FileError {
    FileError::Storage(err.into())
}

impl FileStore for RedisFileStore {
    fn put<'a>(&'a self, info: FileInfo, content: FileChunks<'a>) -> FileFuture<'a, FileInfo> {
        Box::pin(async move {
            let mut content = limited(content, self.max_bytes);
            let mut data = Vec::new();
            while let Some(chunk) = content.next().await {
                data.extend_from_slice(&chunk?);
            }
            let info = FileInfo {
                size: data.len() as u64,
                ..info
            };
            let described =
                serde_json::to_string(&info).map_err(|e| FileError::Storage(e.into()))?;
            let (key, list) = (
                self.file_key(info.session, info.id),
                self.list_key(info.session),
            );
            let secs = i64::try_from(self.lifetime.as_secs()).unwrap_or(i64::MAX);
            let mut conn = self.connection.clone();
            redis::pipe()
                .atomic()
                .hset(&key, "data", data)
                .hset(&key, "info", described)
                .expire(&key, secs)
                .sadd(&list, info.id.to_string())
                .expire(&list, secs)
                .query_async::<()>(&mut conn)
                .await
                .map_err(storage)?;
            Ok(info)
        })
    }

    fn info(&self, session: SessionId, id: Uuid) -> FileFuture<'_, Option<FileInfo>> {
        Box::pin(async move {
            let mut conn = self.connection.clone();
            let described: Option<String> = conn
                .hget(self.file_key(session, id), "info")
                .await
                .map_err(storage)?;
            described
                .map(|text| serde_json::from_str::<FileInfo>(&text))
                .transpose()
                .map(|info| info.filter(|i| i.session == session && i.id == id))
                .map_err(|e| FileError::Storage(e.into()))
        })
    }

    fn open(
        &self,
        session: SessionId,
        id: Uuid,
    ) -> FileFuture<'_, Option<(FileInfo, FileChunks<'static>)>> {
        Box::pin(async move {
            let mut conn = self.connection.clone();
            let (described, data): (Option<String>, Option<Vec<u8>>) = redis::pipe()
                .hget(self.file_key(session, id), "info")
                .hget(self.file_key(session, id), "data")
                .query_async(&mut conn)
                .await
                .map_err(storage)?;
            let (Some(described), Some(data)) = (described, data) else {
                return Ok(None);
            };
            let info: FileInfo =
                serde_json::from_str(&described).map_err(|e| FileError::Storage(e.into()))?;
            if info.session != session || info.id != id {
                return Ok(None);
            }
            Ok(Some((info, chunks_of(data))))
        })
    }

    fn remove_session(&self, session: SessionId) -> FileFuture<'_, ()> {
        Box::pin(async move {
            let mut conn = self.connection.clone();
            let list = self.list_key(session);
            let ids: Vec<String> = conn.smembers(&list).await.map_err(storage)?;
            let mut keys: Vec<String> = ids
                .iter()
                .filter_map(|id| Uuid::parse_str(id).ok())
                .map(|id| self.file_key(session, id))
                .collect();
            keys.push(list);
            conn.del::<_, ()>(keys).await.map_err(storage)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_redis_store_keeps_the_contract() {
        let url = std::env::var("CHAINRS_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned());
        let prefix = format!("chainrs-test-files-{}:", Uuid::new_v4());
        let sessions = RedisStore::connect(&url, prefix)
            .await
            .expect("the Redis file store test needs Redis at CHAINRS_REDIS_URL or 127.0.0.1:6379");
        let store = RedisFileStore::new(&sessions);
        super::super::tests::store_contract(&store).await;

        // Over the store's own size: refused, nothing kept.
        let small = store.clone().max_bytes(4);
        let info = FileInfo {
            id: Uuid::new_v4(),
            session: SessionId::new(),
            name: "big.bin".to_owned(),
            mime: "application/octet-stream".to_owned(),
            size: 0,
        };
        let err = small
            .put(info.clone(), chunks_of(vec![0u8; 5]))
            .await
            .expect_err("too large");
        assert!(matches!(err, FileError::TooLarge { limit: 4 }), "{err}");
        assert_eq!(small.info(info.session, info.id).await.expect("info"), None);
        let mut conn = sessions.connection();
        let _: () = conn
            .del(format!("{}store", sessions.prefix()))
            .await
            .expect("clean up");
    }
}
