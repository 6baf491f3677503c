//! Real third-party clients against a served example app: socket.io-client (Node) speaking the
//! protocol, raw Engine.IO frames with bad input, and headless Chromium on the chat page.
//!
//! Needs Node with `npm ci` run in `tests/js`, and Debian's `chromium` for the browser test;
//! `bash .ci/run` installs both. A missing one fails the test with what to install.

use std::path::Path;
use std::time::Duration;

use tokio::sync::oneshot;

use chainrs_tests::{run_node, run_node_with};

/// A served copy of the `hello` example on a free port, stopped on drop.
struct Served {
    url: String,
    stats: Box<dyn Fn() -> chainrs::session::SessionStats + Send + Sync>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<chainrs::Result<()>>,
}

impl Served {
    async fn hello() -> Served {
        Self::app(hello::app()).await
    }

    async fn app(app: chainrs::App) -> Served {
        // `RUST_LOG=chainrs=debug cargo test --test js_clients -- --nocapture` shows the servers' logs.
        if let Ok(filter) = std::env::var("RUST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
        let server = app.bind("127.0.0.1:0").await.expect("bind the hello app");
        let url = format!("http://{}", server.local_addr().expect("local address"));
        let stats = Box::new(server.stats_probe());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run_until(async {
            let _ = stopped.await;
        }));
        Served {
            url,
            stats,
            stop: Some(stop),
            task,
        }
    }

    /// Waits until every socket the clients opened is freed: a socket that outlives its
    /// connection (a reference cycle) would be memory lost for good.
    async fn sockets_freed(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let open = (self.stats)().sockets;
            if open == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{open} sockets are still held after every client left"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn shut_down(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = &mut self.task;
        match tokio::time::timeout(Duration::from_secs(10), task).await {
            Ok(Ok(Ok(()))) => {}
            other => panic!("the server did not stop cleanly: {other:?}"),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_io_client_speaks_the_protocol() {
    let served = Served::hello().await;
    run_node("protocol.mjs", &served.url, Duration::from_secs(120)).await;
    served.sockets_freed().await;
    served.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_over_the_socket_is_refused_and_serving_goes_on() {
    let served = Served::hello().await;
    run_node("bad-input.mjs", &served.url, Duration::from_secs(120)).await;
    served.sockets_freed().await;
    served.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_page_works_in_headless_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        Path::new(&chromium).exists(),
        "no browser at {chromium}: `apt-get install chromium` (bash .ci/run does it) or set CHROMIUM"
    );
    let served = Served::hello().await;
    run_node("browser.mjs", &served.url, Duration::from_secs(180)).await;
    served.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_tab_keeps_its_session_and_a_left_one_expires() {
    let served = Served::app(hello::app().session_timeout(Duration::from_secs(1))).await;
    run_node("session-life.mjs", &served.url, Duration::from_secs(60)).await;
    served.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_ownership_and_one_session_shared_by_chat_and_endpoints() {
    const SECRET: &str = "js-clients-test-secret-of-at-least-32-bytes";
    let served = Served::app(hello::app().auth_secret(SECRET).dev_mode(false)).await;
    run_node_with(
        "auth.mjs",
        &served.url,
        Duration::from_secs(120),
        &[("CHAINRS_TEST_SECRET", SECRET)],
    )
    .await;
    served.shut_down().await;
}
