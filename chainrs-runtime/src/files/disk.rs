//! [`DiskStore`]: a folder per session (`<root>/<session>/`), each file's content beside its
//! description (`<id>` and `<id>.json`), written under a temporary name and renamed when whole.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use super::{FileChunks, FileError, FileFuture, FileInfo, FileStore};
use crate::session::SessionId;

/// How much of a file one read takes.
const READ_CHUNK: usize = 64 * 1024;

/// Files on local disk, a folder per session: the default store. Instances that share the
/// folder (one machine, or a shared volume) share the files.
#[derive(Clone, Debug)]
pub struct DiskStore {
    root: PathBuf,
}

impl DiskStore {
    /// A store under `root` (created when the first file is stored).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DiskStore { root: root.into() }
    }

    /// The folder the store writes under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn folder(&self, session: SessionId) -> PathBuf {
        self.root.join(session.to_string())
    }

    async fn read_info(&self, session: SessionId, id: Uuid) -> Result<Option<FileInfo>, FileError> {
        let path = self.folder(session).join(format!("{id}.json"));
        let text = match tokio::fs::read_to_string(&path).await {
            Ok(text) => text,
            Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(FileError::Storage(err.into())),
        };
        let info: FileInfo =
            serde_json::from_str(&text).map_err(|e| FileError::Storage(e.into()))?;
        Ok((info.session == session && info.id == id).then_some(info))
    }
}

fn storage(err: std::io::Error) -> FileError {
    FileError::Storage(err.into())
}

impl FileStore for DiskStore {
    fn put<'a>(&'a self, info: FileInfo, mut content: FileChunks<'a>) -> FileFuture<'a, FileInfo> {
        Box::pin(async move {
            let folder = self.folder(info.session);
            tokio::fs::create_dir_all(&folder).await.map_err(storage)?;
            let partial = folder.join(format!("{}.part", info.id));
            let mut file = tokio::fs::File::create(&partial).await.map_err(storage)?;
            let mut size: u64 = 0;
            let written: Result<(), FileError> = async {
                while let Some(chunk) = content.next().await {
                    let chunk = chunk?;
                    size += chunk.len() as u64;
                    file.write_all(&chunk).await.map_err(storage)?;
                }
                file.flush().await.map_err(storage)
            }
            .await;
            drop(file);
            if let Err(err) = written {
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(err);
            }
            let info = FileInfo { size, ..info };
            let described = serde_json::to_vec(&info).map_err(|e| FileError::Storage(e.into()))?;
            tokio::fs::write(folder.join(format!("{}.json", info.id)), described)
                .await
                .map_err(storage)?;
            tokio::fs::rename(&partial, folder.join(info.id.to_string()))
                .await
                .map_err(storage)?;
            Ok(info)
        })
    }

    fn info(&self, session: SessionId, id: Uuid) -> FileFuture<'_, Option<FileInfo>> {
        Box::pin(async move {
            let Some(info) = self.read_info(session, id).await? else {
                return Ok(None);
            };
            // Described but not yet (or no longer) whole: not there.
            let whole = tokio::fs::try_exists(self.folder(session).join(id.to_string()))
                .await
                .map_err(storage)?;
            Ok(whole.then_some(info))
        })
    }

    fn open(
        &self,
        session: SessionId,
        id: Uuid,
    ) -> FileFuture<'_, Option<(FileInfo, FileChunks<'static>)>> {
        Box::pin(async move {
            let Some(info) = self.read_info(session, id).await? else {
                return Ok(None);
            };
            let file = match tokio::fs::File::open(self.folder(session).join(id.to_string())).await
            {
                Ok(file) => file,
                Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
                Err(err) => return Err(storage(err)),
            };
            let chunks = futures_util::stream::unfold(Some(file), |file| async move {
                let mut file = file?;
                let mut buf = vec![0u8; READ_CHUNK];
                match file.read(&mut buf).await {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        Some((Ok(Bytes::from(buf)), Some(file)))
                    }
                    Err(err) => Some((Err(storage(err)), None)),
                }
            });
            Ok(Some((info, Box::pin(chunks) as FileChunks<'static>)))
        })
    }

    fn remove_session(&self, session: SessionId) -> FileFuture<'_, ()> {
        Box::pin(async move {
            match tokio::fs::remove_dir_all(self.folder(session)).await {
                Ok(()) => Ok(()),
                Err(err) if err.kind() == ErrorKind::NotFound => Ok(()),
                Err(err) => Err(storage(err)),
            }
        })
    }
}
