//! A size limit on a file's content, applied while it streams: the chunk that crosses the
//! limit ends the stream with [`FileError::TooLarge`], so nothing past it is ever held.

use futures_util::StreamExt;

use super::{FileChunks, FileError};

/// `content`, ended with [`FileError::TooLarge`] as soon as more than `limit` bytes came.
pub(crate) fn limited<'a>(content: FileChunks<'a>, limit: u64) -> FileChunks<'a> {
    // (the content, bytes seen so far); `None` once the limit was crossed.
    let start = Some((content, 0u64));
    Box::pin(futures_util::stream::unfold(
        start,
        move |state| async move {
            let (mut content, seen) = state?;
            match content.next().await? {
                Ok(bytes) => {
                    let seen = seen.saturating_add(bytes.len() as u64);
                    if seen > limit {
                        Some((Err(FileError::TooLarge { limit }), None))
                    } else {
                        Some((Ok(bytes), Some((content, seen))))
                    }
                }
                Err(err) => Some((Err(err), Some((content, seen)))),
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use axum::body::Bytes;

    use super::*;

    #[tokio::test]
    async fn the_chunk_that_crosses_the_limit_ends_the_stream() {
        let chunks: Vec<Result<Bytes, FileError>> =
            (0..5).map(|_| Ok(Bytes::from(vec![1u8; 4]))).collect();
        let out: Vec<_> = limited(Box::pin(futures_util::stream::iter(chunks)), 10)
            .collect()
            .await;
        assert_eq!(
            out.len(),
            3,
            "two chunks pass, the third fails, the rest are never read"
        );
        assert!(out[..2].iter().all(Result::is_ok));
        assert!(matches!(out[2], Err(FileError::TooLarge { limit: 10 })));
    }

    #[tokio::test]
    async fn content_at_the_limit_passes_whole() {
        let out: Vec<_> = limited(super::super::chunks_of(vec![0u8; 10]), 10)
            .collect()
            .await;
        assert_eq!(out.len(), 1);
        assert!(out[0].is_ok());
    }
}
