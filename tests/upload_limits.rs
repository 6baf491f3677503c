//! An upload far over its limit, over a real connection: the server stops storing at the
//! limit, reads the rest away without holding it, and the client, still sending, gets the
//! refusal (400 and a `detail`). Its own test binary, so the process's peak memory is its own.

use std::time::Duration;

use chainrs::files::DiskStore;
use chainrs::prelude::*;
use chainrs_tests::Served;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[endpoint(http, method = "GET", path = "/ping")]
async fn ping() -> &'static str {
    "pong"
}

/// The process's peak resident memory so far, in bytes (Linux's `VmHWM`).
fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/self/status");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a number of kB");
    kib * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_mb_upload_against_a_1_mb_limit_is_cut_off_with_memory_flat() -> chainrs::Result<()> {
    const MB: usize = 1024 * 1024;
    let dir = std::env::temp_dir().join(format!("chainrs-upload-limit-{}", uuid::Uuid::new_v4()));
    let served = Served::start(
        App::new()
            .register(ping)
            .file_store(DiskStore::new(&dir))
            .file_upload(FileUpload::new().max_size_mb(1)),
    )
    .await?;
    let pong = reqwest::get(format!("{}/ping", served.base()))
        .await
        .expect("ping");
    let session = pong
        .headers()
        .get("x-chainrs-session-id")
        .and_then(|v| v.to_str().ok())
        .expect("a session id")
        .to_owned();
    let before = peak_memory();

    let boundary = "limit-test-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let size = 100 * MB;
    let length = head.len() + size + tail.len();
    let stream = tokio::net::TcpStream::connect(served.addr).await?;
    let (mut reader, mut writer) = stream.into_split();
    let request = format!(
        "POST /project/file?session_id={session} HTTP/1.1\r\nHost: {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n\r\n{head}",
        served.addr
    );
    let sending = tokio::spawn(async move {
        writer.write_all(request.as_bytes()).await?;
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0;
        while sent < size {
            writer.write_all(&chunk).await?;
            sent += chunk.len();
        }
        writer.write_all(tail.as_bytes()).await?;
        writer.flush().await?;
        // Kept open until the answer is read, as a browser keeps its connection: a
        // half-closed connection is a closed one to the server.
        Ok::<_, std::io::Error>((sent, writer))
    });
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(120), async {
        let mut buf = [0u8; 4096];
        loop {
            let n = reader.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            response.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&response);
            if let Some((headers, body)) = text.split_once("\r\n\r\n") {
                let length = headers
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().to_owned())
                    })
                    .and_then(|v| v.parse::<usize>().ok());
                if length.is_some_and(|l| body.len() >= l) {
                    break;
                }
            }
        }
        Ok::<(), std::io::Error>(())
    })
    .await;
    assert!(read.is_ok(), "no answer within 120 s");
    let text = String::from_utf8_lossy(&response).into_owned();
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("\"detail\":\"File size too large"), "{text}");
    let sent = sending.await.expect("the sender");
    assert!(
        sent.is_ok_and(|(n, _)| n == size),
        "the client could send its whole body while the server read it away"
    );

    let grown = peak_memory().saturating_sub(before);
    assert!(
        grown < 32 * MB as u64,
        "peak memory grew by {} MB for a refused 100 MB upload: it was held",
        grown / MB as u64
    );
    let folder = dir.join(&session);
    let kept: Vec<_> = std::fs::read_dir(&folder)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        kept.is_empty(),
        "nothing of the refused upload is kept: {kept:?}"
    );
    served.stop().await?;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
