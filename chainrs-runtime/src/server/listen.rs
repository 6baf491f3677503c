//! The accept loop: hyper's HTTP/1 server with a header-read timeout (which also closes idle
//! keep-alive connections), caps on connections in all and per client address, graceful shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// File descriptors kept free of connections (stores, files, the listener itself).
const RESERVED_FDS: u64 = 64;

/// How long shutdown waits for requests in flight.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// The connection limits in force.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) max_per_address: usize,
}

impl Limits {
    /// `max_connections` lowered to what the file-descriptor limit allows, after raising that
    /// limit to its hard maximum; both are logged.
    pub(crate) fn fitted(mut self) -> Self {
        match raise_fd_limit() {
            Some(soft) => {
                let fits = usize::try_from(soft.saturating_sub(RESERVED_FDS)).unwrap_or(usize::MAX);
                if fits < self.max_connections {
                    tracing::warn!(target: "chainrs", fd_limit = soft, max_connections = fits, configured = self.max_connections, "the file-descriptor limit holds fewer connections than max_connections: serving at most {fits} at once");
                    self.max_connections = fits.max(1);
                }
            }
            None => {
                tracing::warn!(target: "chainrs", "cannot read the file-descriptor limit; max_connections is not checked against it")
            }
        }
        self
    }
}

/// Raises the soft limit on open files to the hard limit; returns the soft limit in force.
fn raise_fd_limit() -> Option<u64> {
    let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).ok()?;
    let raised = rlimit::increase_nofile_limit(hard).unwrap_or(soft);
    tracing::info!(target: "chainrs", soft_before = soft, soft = raised, hard, "file-descriptor limit");
    Some(raised)
}

/// Connections open now, in all and by client address, and the refusals not yet logged.
#[derive(Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
    unlogged_refusals: usize,
    last_refusal_log: Option<std::time::Instant>,
}

impl Open {
    /// Logs a refusal, at most once a second (a flood would otherwise flood the log too).
    fn log_refusal(&mut self, peer: std::net::SocketAddr, why: &'static str) {
        self.unlogged_refusals += 1;
        let now = std::time::Instant::now();
        if self
            .last_refusal_log
            .is_some_and(|last| now.duration_since(last) < Duration::from_secs(1))
        {
            return;
        }
        let refused = std::mem::take(&mut self.unlogged_refusals);
        self.last_refusal_log = Some(now);
        tracing::warn!(target: "chainrs", peer = %peer, reason = why, refused, open = self.total, "connections refused over a limit (answered 503)");
    }
}

/// A served connection's place in the counts, given back when its socket closes (also after
/// an upgrade to a websocket, which keeps the socket).
struct Slot {
    open: Arc<Mutex<Open>>,
    address: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.by_address.get_mut(&self.address) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.by_address.remove(&self.address);
            }
        }
    }
}

/// A TCP stream that holds its connection's slot.
struct Counted {
    stream: TcpStream,
    _slot: Slot,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Takes a slot for a connection from `address`, or says which limit it hit.
fn admit(open: &Arc<Mutex<Open>>, address: IpAddr, limits: Limits) -> Result<Slot, &'static str> {
    let mut counts = open.lock().unwrap_or_else(PoisonError::into_inner);
    if counts.total >= limits.max_connections {
        return Err("the server holds its most connections (max_connections)");
    }
    let from_here = counts.by_address.entry(address).or_default();
    if *from_here >= limits.max_per_address {
        return Err("this address holds its most connections (max_connections_per_address)");
    }
    *from_here += 1;
    counts.total += 1;
    Ok(Slot {
        open: open.clone(),
        address,
    })
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests in flight
/// finish (for at most a few seconds).
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    // Each connection task holds a sender: when all are gone, the drain is over.
    let (in_flight, mut drained) = tokio::sync::mpsc::channel::<()>(1);
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let open = Arc::new(Mutex::new(Open::default()));
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was taken:
                    // wait a little instead of spinning, and go on.
                    tracing::warn!(target: "chainrs", error = %err, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let slot = match admit(&open, peer.ip(), limits) {
            Ok(slot) => slot,
            Err(why) => {
                open.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .log_refusal(peer, why);
                tokio::spawn(refuse(stream, why));
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Counted {
            stream,
            _slot: slot,
        });
        let service = router
            .clone()
            .map_request(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
        let connection = http
            .serve_connection(io, TowerToHyperService::new(service))
            .with_upgrades();
        let (held, mut stopping) = (in_flight.clone(), stopping.clone());
        tokio::spawn(async move {
            let _held = held;
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                () = async { let _ = stopping.wait_for(|stop| *stop).await; } => {
                    // Finish the request in flight, take no new one.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(err) = ended {
                tracing::debug!(target: "chainrs", peer = %peer, error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let _ = stop.send(true);
    drop(in_flight);
    if tokio::time::timeout(DRAIN_LIMIT, drained.recv())
        .await
        .is_err()
    {
        tracing::warn!(target: "chainrs", "requests still in flight after {DRAIN_LIMIT:?}: stopping anyway");
    }
    Ok(())
}

/// Answers a connection over a limit with 503 and closes it.
async fn refuse(mut stream: TcpStream, why: &'static str) {
    let body = format!(
        "{{\"detail\":\"{why}: try again shortly\",\"error\":\"{why}: try again shortly\"}}"
    );
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}
