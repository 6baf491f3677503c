//! Runs the Node test clients of `tests/js` against a served app and turns their report into
//! a test result; a missing Node or `npm ci` fails with what to do.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

fn js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("js")
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artifacts");
    std::fs::create_dir_all(&dir).expect("create target/test-artifacts");
    dir
}

/// Runs one Node script of `tests/js` against `url` and fails the test with its output when it fails.
pub async fn run_node(script: &str, url: &str, limit: Duration) {
    run_node_with(script, url, limit, &[]).await;
}

/// [`run_node`] with extra environment variables.
pub async fn run_node_with(script: &str, url: &str, limit: Duration, env: &[(&str, &str)]) {
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
