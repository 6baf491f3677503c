//! Real third-party clients against a served example app: socket.io-client (Node) speaking the
//! protocol, raw Engine.IO frames with bad input, and headless Chromium on the chat page and
//! on Chainlit's own web UI.
//!
//! Needs Node with `npm ci` run in `tests/js`, Debian's `chromium` for the browser tests and
//! Chainlit's UI from its wheel (`bash .ci/chainlit-ui`); `bash .ci/run` sets up all three. A
//! missing one fails the test with what to install.

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
        // A hook a script leaves running gets 2 s at shutdown, not the default 30 s.
        let server = app
            .shutdown_grace(Duration::from_secs(2))
            .bind("127.0.0.1:0")
            .await
            .expect("bind the hello app");
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
async fn the_chat_page_keeps_history_and_resumes_in_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        Path::new(&chromium).exists(),
        "no browser at {chromium}: `apt-get install chromium` (bash .ci/run does it) or set CHROMIUM"
    );
    let layer = chainrs::data::SqliteDataLayer::connect("sqlite::memory:")
        .await
        .expect("an in-memory database");
    let served = Served::app(hello::app().data_layer(layer)).await;
    // The same app without a data layer: the page must show nothing of the history there.
    let plain = Served::hello().await;
    run_node_with(
        "browser-history.mjs",
        &served.url,
        Duration::from_secs(180),
        &[("CHAINRS_PLAIN_URL", &plain.url)],
    )
    .await;
    plain.shut_down().await;
    served.shut_down().await;
}

/// Where `bash .ci/chainlit-ui` unpacks Chainlit's built UI (`CHAINLIT_UI_DIR` overrides).
fn chainlit_ui() -> std::path::PathBuf {
    let dir = std::env::var("CHAINLIT_UI_DIR")
        .map(Into::into)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/chainlit/chainlit/frontend/dist")
        });
    assert!(
        dir.join("index.html").is_file(),
        "Chainlit's UI is not at {}: fetch it from the chainlit wheel with `bash .ci/chainlit-ui` \
         (bash .ci/run does it) or point CHAINLIT_UI_DIR at a frontend/dist folder",
        dir.display()
    );
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chainlits_own_web_ui_drives_a_chainrs_app_in_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        Path::new(&chromium).exists(),
        "no browser at {chromium}: `apt-get install chromium` (bash .ci/run does it) or set CHROMIUM"
    );
    let served = Served::app(hello::app().frontend_dir(chainlit_ui())).await;
    run_node("chainlit-ui.mjs", &served.url, Duration::from_secs(180)).await;
    served.sockets_freed().await;
    served.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chainlits_own_web_ui_shows_the_history_of_a_chainrs_app_with_a_data_layer() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        Path::new(&chromium).exists(),
        "no browser at {chromium}: `apt-get install chromium` (bash .ci/run does it) or set CHROMIUM"
    );
    let layer = chainrs::data::SqliteDataLayer::connect("sqlite::memory:")
        .await
        .expect("an in-memory database");
    let served = Served::app(hello::app().frontend_dir(chainlit_ui()).data_layer(layer)).await;
    run_node(
        "chainlit-history.mjs",
        &served.url,
        Duration::from_secs(150),
    )
    .await;
    served.shut_down().await;
}

#[test]
fn chainrs_english_strings_have_every_key_of_chainlits() {
    fn keys(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
        if let Some(map) = value.as_object() {
            for (key, value) in map {
                keys(value, &format!("{prefix}{key}."), out);
            }
        } else {
            out.push(prefix.trim_end_matches('.').to_owned());
        }
    }
    let theirs_path = chainlit_ui().join("../../translations/en-US.json");
    let theirs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&theirs_path)
            .unwrap_or_else(|e| panic!("{}: {e}", theirs_path.display())),
    )
    .expect("Chainlit's en-US.json parses");
    let ours: serde_json::Value = serde_json::from_str(include_str!(
        "../chainrs-runtime/src/ui/translations/en-US.json"
    ))
    .expect("chainrs's en-US.json parses");
    let (mut want, mut have) = (Vec::new(), Vec::new());
    keys(&theirs, "", &mut want);
    keys(&ours, "", &mut have);
    let missing: Vec<&String> = want.iter().filter(|k| !have.contains(k)).collect();
    let extra: Vec<&String> = have.iter().filter(|k| !want.contains(k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "chainrs's en-US strings differ from Chainlit's keys: missing {missing:?}, not in Chainlit {extra:?}"
    );
    assert!(
        want.len() > 100,
        "Chainlit's file has its {} keys",
        want.len()
    );
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
