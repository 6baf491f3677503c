//! The files of a session (uploads, element content) behind the [`FileStore`] trait: a folder
//! per session on local disk by default ([`DiskStore`]), Redis for files several instances share.

pub(crate) mod asks;
mod disk;
mod limit;
mod mime;
#[cfg(feature = "redis")]
mod redis;

use std::future::Future;
use std::pin::Pin;

use axum::body::Bytes;
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::BoxError;
use crate::session::SessionId;

#[cfg(feature = "redis")]
pub use self::redis::RedisFileStore;
pub(crate) use asks::FileAsk;
pub use disk::DiskStore;
pub(crate) use limit::limited;
pub(crate) use mime::{UNKNOWN as UNKNOWN_MIME, mime_of_bytes, mime_of_name};

/// What is known of a stored file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// The file's id (Chainlit's `chainlitKey`).
    pub id: Uuid,
    /// The session it belongs to.
    pub session: SessionId,
    /// The name it was uploaded or sent under.
    pub name: String,
    /// Its MIME type.
    pub mime: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A file's content, chunk by chunk.
pub type FileChunks<'a> = Pin<Box<dyn Stream<Item = Result<Bytes, FileError>> + Send + 'a>>;

/// The future a file store call returns.
pub type FileFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, FileError>> + Send + 'a>>;

/// Why storing or reading a file failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The content is larger than the limit it was stored under.
    #[error("the file is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The content could not be read from where it came from (the upload's body, a path).
    #[error("reading the file's content failed: {0}")]
    Source(#[source] BoxError),
    /// The store failed (a full disk, Redis down).
    #[error("the file store failed: {0}")]
    Storage(#[source] BoxError),
}

/// Where the files of sessions are kept. Implementations must keep one session's files apart
/// from another's: `info` and `open` answer only for the session the file was stored under.
pub trait FileStore: Send + Sync + 'static {
    /// Stores `content` as `info.id` of `info.session` (its `size` is ignored and returned
    /// measured). A failing `content` (over its limit, a broken upload) stores nothing.
    fn put<'a>(&'a self, info: FileInfo, content: FileChunks<'a>) -> FileFuture<'a, FileInfo>;

    /// What is stored under `id` for `session`, if anything.
    fn info(&self, session: SessionId, id: Uuid) -> FileFuture<'_, Option<FileInfo>>;

    /// The file stored under `id` for `session` and its content, if stored.
    fn open(
        &self,
        session: SessionId,
        id: Uuid,
    ) -> FileFuture<'_, Option<(FileInfo, FileChunks<'static>)>>;

    /// Removes every file of `session` (it ended).
    fn remove_session(&self, session: SessionId) -> FileFuture<'_, ()>;
}

/// Content that is already in memory, as chunks.
pub(crate) fn chunks_of(bytes: impl Into<Bytes>) -> FileChunks<'static> {
    let bytes: Bytes = bytes.into();
    Box::pin(futures_util::stream::iter([Ok(bytes)]))
}

/// The default store: a folder per session under the system's temporary directory.
pub(crate) fn default_store() -> DiskStore {
    DiskStore::new(std::env::temp_dir().join("chainrs-files"))
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    pub(super) async fn collect(mut chunks: FileChunks<'_>) -> Result<Vec<u8>, FileError> {
        let mut out = Vec::new();
        while let Some(chunk) = chunks.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    /// The contract every store keeps, run against the disk store here and the Redis store in
    /// its own tests.
    pub(crate) async fn store_contract(store: &dyn FileStore) {
        let (a, b) = (SessionId::new(), SessionId::new());
        let info = FileInfo {
            id: Uuid::new_v4(),
            session: a,
            name: "notes.txt".to_owned(),
            mime: "text/plain".to_owned(),
            size: 0,
        };
        let stored = store
            .put(info.clone(), chunks_of(&b"hello files"[..]))
            .await
            .expect("stored");
        assert_eq!(stored.size, 11);
        assert_eq!(
            store.info(a, info.id).await.expect("info"),
            Some(stored.clone())
        );
        assert_eq!(
            store.info(b, info.id).await.expect("info"),
            None,
            "another session's file"
        );
        let (found, content) = store.open(a, info.id).await.expect("open").expect("stored");
        assert_eq!(found, stored);
        assert_eq!(collect(content).await.expect("read"), b"hello files");
        assert!(store.open(b, info.id).await.expect("open").is_none());

        // A failing upload stores nothing.
        let broken = FileInfo {
            id: Uuid::new_v4(),
            ..info.clone()
        };
        let content = limited(chunks_of(vec![7u8; 100]), 10);
        let err = store
            .put(broken.clone(), content)
            .await
            .expect_err("over the limit");
        assert!(matches!(err, FileError::TooLarge { limit: 10 }), "{err}");
        assert_eq!(store.info(a, broken.id).await.expect("info"), None);

        store.remove_session(a).await.expect("removed");
        assert_eq!(store.info(a, info.id).await.expect("info"), None);
        store
            .remove_session(a)
            .await
            .expect("removing twice is fine");
    }

    #[tokio::test]
    async fn the_disk_store_keeps_the_contract() {
        let dir = std::env::temp_dir().join(format!("chainrs-files-test-{}", Uuid::new_v4()));
        let store = DiskStore::new(&dir);
        store_contract(&store).await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
