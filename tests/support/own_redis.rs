//! A private redis-server on a free port for the fault tests: stopped, paused (SIGSTOP) and
//! resumed by the test, killed when dropped.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// A redis-server of the test's own (no persistence).
pub struct OwnRedis {
    port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    /// Starts one on a free port; panics with the fix when redis-server is missing.
    pub async fn start() -> OwnRedis {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            listener.local_addr().expect("addr").port()
        };
        Self::start_on(port).await
    }

    /// Starts one on `port` (to restart it where it was).
    pub async fn start_on(port: u16) -> OwnRedis {
        let program = if Path::new("/usr/bin/redis-server").exists() {
            "/usr/bin/redis-server"
        } else {
            "redis-server"
        };
        let child = Command::new(program)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start redis-server ({e}): apt-get install redis-server")
            });
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "redis-server did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        OwnRedis {
            port,
            child: Some(child),
        }
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Sends the process `signal` (`STOP` freezes it with its connections open, `CONT` resumes).
    pub async fn signal(&self, signal: &str) {
        let pid = self
            .child
            .as_ref()
            .and_then(Child::id)
            .expect("redis-server is running");
        let status = Command::new("kill")
            .args([format!("-{signal}"), pid.to_string()])
            .status()
            .await
            .expect("kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Kills it (its data is gone: it keeps nothing on disk).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
            let _ = child.wait().await;
        }
    }
}
