//! Real third-party clients against a served example app: socket.io-client (Node) speaking the
//! protocol, raw Engine.IO frames with bad input, and headless Chromium on the chat page.
//!
//! Needs Node with `npm ci` run in `tests/js`, and Debian's `chromium` for the browser test;
//! `bash .ci/run` installs both. A missing one fails the test with what to install.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;
use tokio::sync::oneshot;

/// A served copy of the `hello` example on a free port, stopped on drop.
struct Served {
    url: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<chainrs::Result<()>>,
}

impl Served {
    async fn hello() -> Served {
        Self::app(hello::app()).await
    }

    async fn app(app: chainrs::App) -> Served {
        let server = app.bind("127.0.0.1:0").await.expect("bind the hello app");
        let url = format!("http://{}", server.local_addr().expect("local address"));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run_until(async {
            let _ = stopped.await;
        }));
        Served {
            url,
            stop: Some(stop),
            task,
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

fn js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("js")
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artifacts");
    std::fs::create_dir_all(&dir).expect("create target/test-artifacts");
    dir
}

/// Runs one Node script against `url` and fails the test with its output when it fails.
async fn run_node(script: &str, url: &str, limit: Duration) {
    run_node_with(script, url, limit, &[]).await;
}

/// [`run_node`] with extra environment variables.
async fn run_node_with(script: &str, url: &str, limit: Duration, env: &[(&str, &str)]) {
    let dir = js_dir();
    assert!(
        dir.join("node_modules/socket.io-client").is_dir(),
        "tests/js has no node_modules: run `npm ci` in tests/js (bash .ci/run does it)"
    );
    let child = Command::new("node")
        .arg(script)
        .current_dir(&dir)
        .env("CHAINRS_URL", url)
        .env("ARTIFACT_DIR", artifacts())
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `node` ({e}): install Node.js 20 or newer"));
    let output = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{script} did not finish within {limit:?}"))
        .expect("wait for node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    let checks = stdout.lines().filter(|l| l.starts_with("ok ")).count();
    assert!(
        checks > 0,
        "{script} passed without reporting a check:\n{stdout}"
    );
    println!("{script}: {checks} checks passed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_io_client_speaks_the_protocol() {
    let served = Served::hello().await;
    run_node("protocol.mjs", &served.url, Duration::from_secs(120)).await;
    served.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_over_the_socket_is_refused_and_serving_goes_on() {
    let served = Served::hello().await;
    run_node("bad-input.mjs", &served.url, Duration::from_secs(120)).await;
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
