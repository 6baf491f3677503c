//! An app served on a free loopback port for a test: its address, a probe of what it holds,
//! and a clean stop (also when the test fails and drops it).

use std::net::SocketAddr;

use chainrs::App;
use chainrs::session::SessionStats;

/// A served app that stops when dropped.
pub struct Served {
    /// Where it listens.
    pub addr: SocketAddr,
    stats: Box<dyn Fn() -> SessionStats + Send + Sync>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<chainrs::Result<()>>,
}

impl Served {
    /// Binds `app` on 127.0.0.1, any free port, and serves it.
    pub async fn start(app: App) -> chainrs::Result<Served> {
        // A hook a test leaves running gets 2 s at shutdown, not the default 30 s.
        let server = app
            .shutdown_grace(std::time::Duration::from_secs(2))
            .bind("127.0.0.1:0")
            .await?;
        let addr = server.local_addr()?;
        let stats = Box::new(server.stats_probe());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run_until(async {
            let _ = stopped.await;
        }));
        Ok(Served {
            addr,
            stats,
            stop: Some(stop),
            task,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the server holds now.
    pub fn stats(&self) -> SessionStats {
        (self.stats)()
    }

    /// Stops serving and waits until the server has finished.
    pub async fn stop(mut self) -> chainrs::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task)
            .await
            .map_err(|e| chainrs::Error::Internal(format!("the server task failed: {e}")))?
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}
