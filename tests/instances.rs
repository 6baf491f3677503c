//! Several instances, one set of sessions: real app processes (the `hello` app) on their own
//! ports sharing a real Redis. No lost updates across processes, a tab on one instance reached
//! from another, a reconnect landing elsewhere, and Redis failing at start and while serving.

use std::net::TcpListener;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chainrs_tests::OwnRedis;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

const SECRET: &str = "instances-test-secret-of-at-least-32-bytes";

/// A running app process, killed on drop.
struct Instance {
    url: String,
    child: Child,
}

fn instance_command(redis_url: &str, prefix: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chainrs-instance"));
    command
        .env("CHAINRS_PORT", "0")
        .env("CHAINRS_REDIS_URL", redis_url)
        .env("CHAINRS_REDIS_PREFIX", prefix)
        .env("CHAINRS_AUTH_SECRET", SECRET)
        .env("CHAINRS_DEV", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

impl Instance {
    async fn start(redis_url: &str, prefix: &str) -> Instance {
        Instance::start_with(redis_url, prefix, &[]).await
    }

    /// An instance with more of its configuration in `env`.
    async fn start_with(redis_url: &str, prefix: &str, env: &[(&str, &str)]) -> Instance {
        let mut child = instance_command(redis_url, prefix)
            .envs(env.iter().copied())
            .spawn()
            .expect("start the chainrs-instance binary");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the instance starts within 20 s")
            .expect("read stdout");
        let Some(addr) = line
            .as_deref()
            .and_then(|l| l.strip_prefix("listening on "))
        else {
            let mut stderr = String::new();
            if let Some(mut err) = child.stderr.take() {
                let _ = err.read_to_string(&mut stderr).await;
            }
            panic!("the instance did not start: {line:?}\n{stderr}");
        };
        Instance {
            url: format!("http://{addr}"),
            child,
        }
    }

    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

/// Logs in on `instance`: the token and the session it opened.
async fn login(http: &reqwest::Client, instance: &Instance) -> (String, String) {
    let response = http
        .post(instance.at("/login"))
        .form(&[("username", "admin"), ("password", "admin")])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("login body");
    (
        body["access_token"].as_str().unwrap_or_default().to_owned(),
        body["sessionId"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_session_and_lose_no_update() {
    let prefix = chainrs_tests::test_prefix("instances");
    let url = chainrs_tests::redis_url();
    let (a, b) = (
        Instance::start(&url, &prefix).await,
        Instance::start(&url, &prefix).await,
    );
    let http = reqwest::Client::new();
    let (token, session) = login(&http, &a).await;
    let http = Arc::new(http);
    let mut writes = Vec::new();
    for i in 0..1000 {
        let target = if i % 2 == 0 {
            a.at("/history")
        } else {
            b.at("/history")
        };
        let (http, token, session) = (http.clone(), token.clone(), session.clone());
        writes.push(tokio::spawn(async move {
            http.post(target)
                .bearer_auth(&token)
                .header("x-chainrs-session-id", &session)
                .json(&json!(format!("line {i}")))
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    for write in writes {
        assert_eq!(write.await.expect("task").expect("request"), StatusCode::OK);
    }
    for instance in [&a, &b] {
        let history: Vec<String> = http
            .get(instance.at("/history"))
            .bearer_auth(&token)
            .header("x-chainrs-session-id", &session)
            .send()
            .await
            .expect("history")
            .json()
            .await
            .expect("history body");
        assert_eq!(history.len(), 1000, "every instance sees all 1,000 writes");
    }
    chainrs_tests::clean(&prefix).await;
}

#[tokio::test]
async fn an_unreachable_redis_at_start_is_an_error_and_a_non_zero_exit() {
    let closed = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let output = instance_command(&format!("redis://127.0.0.1:{port}/"), "unused:")
        .output()
        .await
        .expect("run the instance");
    assert!(!output.status.success(), "it must not start");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Redis at redis://127.0.0.1:") && stderr.contains("is unreachable"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_fail_with_503_while_redis_is_down_and_recover_when_it_is_back() {
    let mut redis = OwnRedis::start().await;
    let app = Instance::start(&redis.url(), "fault:").await;
    let http = reqwest::Client::new();
    let (token, session) = login(&http, &app).await;
    let write = |session: Option<String>| {
        let request = http
            .post(app.at("/history"))
            .bearer_auth(&token)
            .json(&json!("a line"));
        match session {
            Some(id) => request.header("x-chainrs-session-id", id),
            None => request,
        }
        .send()
    };
    assert_eq!(
        write(Some(session.clone())).await.expect("write").status(),
        StatusCode::OK
    );

    redis.stop().await;
    let down = write(Some(session.clone()))
        .await
        .expect("an answer, not a hang");
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = down.json().await.expect("a JSON body");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("session store failed"),
        "{body}"
    );

    // Back on the same port (empty: it keeps nothing on disk), the app recovers by itself.
    let _redis = OwnRedis::start_on(redis.port()).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let response = write(None).await.expect("an answer");
        if response.status() == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {} after Redis came back",
            response.status()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_on_one_instance_is_reached_from_another_and_reconnects_elsewhere() {
    let prefix = chainrs_tests::test_prefix("relay");
    let url = chainrs_tests::redis_url();
    let (a, b) = (
        Instance::start(&url, &prefix).await,
        Instance::start(&url, &prefix).await,
    );
    chainrs_tests::run_node_with(
        "instances.mjs",
        &a.url,
        Duration::from_secs(90),
        &[("CHAINRS_URL_B", b.url.as_str())],
    )
    .await;
    chainrs_tests::clean(&prefix).await;
}

#[derive(chainrs::SessionState, Default, serde::Serialize, serde::Deserialize)]
struct Seen {
    n: u32,
}

#[chainrs::on_message]
async fn count(_msg: chainrs::Message, seen: chainrs::UserSession<Seen>) -> chainrs::Result<()> {
    let n = seen.update(|s| {
        s.n += 1;
        s.n
    });
    chainrs::Message::new(format!("#{}", n.await?))
        .send()
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_users_get_an_error_message_while_redis_is_down() {
    let mut redis = OwnRedis::start().await;
    let store = chainrs::session::RedisStore::connect(&redis.url(), "chat-fault:")
        .await
        .expect("connect");
    let client =
        chainrs::testing::TestClient::new(chainrs::App::new().register(count).redis_store(store))
            .expect("app");
    let mut chat = client.open_chat().await.expect("open");
    assert_eq!(chat.send("one").await.expect("send").replies(), ["#1"]);
    redis.stop().await;
    let down = chat
        .send("two")
        .await
        .expect("the run ends, with an error shown");
    assert_eq!(down.names().last(), Some(&"task_end"), "{:?}", down.names());
    assert!(
        down.errors()
            .iter()
            .any(|e| e.contains("session store failed")),
        "{:?}",
        down.errors()
    );
}

/// A chat on instance A, with PostgreSQL for history and Redis for sessions; A gets SIGTERM
/// while a reply streams; the thread resumes on instance B with every acknowledged message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_resumes_on_another_instance_after_a_sigterm() {
    let prefix = chainrs_tests::test_prefix("resume-instances");
    let url = chainrs_tests::redis_url();
    let db = chainrs_tests::OwnDatabase::create().await;
    let env = [("CHAINRS_DATABASE_URL", db.url.as_str())];
    let (mut a, b) = (
        Instance::start_with(&url, &prefix, &env).await,
        Instance::start_with(&url, &prefix, &env).await,
    );
    let pid = a.child.id().expect("A runs").to_string();
    chainrs_tests::run_node_with(
        "resume-instances.mjs",
        &a.url,
        Duration::from_secs(120),
        &[("CHAINRS_URL_B", &b.url), ("CHAINRS_PID_A", &pid)],
    )
    .await;
    let status = tokio::time::timeout(Duration::from_secs(30), a.child.wait())
        .await
        .expect("A ends within 30 s of its SIGTERM")
        .expect("wait for A");
    assert!(
        status.success(),
        "A ends its graceful shutdown with exit code 0: {status}"
    );
    drop((a, b));
    chainrs_tests::clean(&prefix).await;
    db.drop_it().await;
}

/// Graceful shutdown: A (Redis, the default grace) gets SIGTERM while a reply streams and lets
/// it finish; B (no Redis, `CHAINRS_SHUTDOWN_GRACE=1`) stops it after the grace and says why;
/// both refuse new work while they drain, close their sockets, and exit with 0
/// (`tests/js/shutdown.mjs` drives and checks the chats).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_running_hooks_then_closes_sockets_and_exits_zero() {
    let prefix = chainrs_tests::test_prefix("shutdown");
    let url = chainrs_tests::redis_url();
    let mut a = Instance::start(&url, &prefix).await;
    let mut b = Instance::start_with(
        &url,
        &prefix,
        &[("CHAINRS_REDIS_URL", ""), ("CHAINRS_SHUTDOWN_GRACE", "1")],
    )
    .await;
    let (pid_a, pid_b) = (
        a.child.id().expect("A runs").to_string(),
        b.child.id().expect("B runs").to_string(),
    );
    chainrs_tests::run_node_with(
        "shutdown.mjs",
        &a.url,
        Duration::from_secs(120),
        &[
            ("CHAINRS_PID_A", &pid_a),
            ("CHAINRS_URL_B", &b.url),
            ("CHAINRS_PID_B", &pid_b),
        ],
    )
    .await;
    for (name, child) in [("A", &mut a.child), ("B", &mut b.child)] {
        let status = tokio::time::timeout(Duration::from_secs(40), child.wait())
            .await
            .unwrap_or_else(|_| panic!("{name} ends within 40 s of its SIGTERM"))
            .expect("wait for the instance");
        assert!(
            status.success(),
            "{name} ends its graceful shutdown with exit code 0: {status}"
        );
    }
    drop((a, b));
    chainrs_tests::clean(&prefix).await;
}

/// The overlap policy across instances: a tab on A runs a long job; a second tab of the same
/// session, on B, sends a message: `reject` refuses it on B, `interrupt` stops the job on A and
/// runs the message on B (`tests/js/overlap-instances.mjs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overlap_policy_holds_across_instances() {
    for mode in ["reject", "interrupt"] {
        let test = format!("overlap-{mode}");
        let env = [("CHAINRS_OVERLAP", mode), ("OVERLAP", mode)];
        script_on_two_instances(&test, "overlap-instances.mjs", &env).await;
    }
}

/// Runs `script` against two fresh instances, A (`CHAINRS_URL`, its pid in `CHAINRS_PID_A`)
/// and B (`CHAINRS_URL_B`), on one Redis under their own key prefix, with `env` for both and
/// for the script.
async fn script_on_two_instances(test: &str, script: &str, env: &[(&str, &str)]) {
    let prefix = chainrs_tests::test_prefix(test);
    let url = chainrs_tests::redis_url();
    let (a, b) = (
        Instance::start_with(&url, &prefix, env).await,
        Instance::start_with(&url, &prefix, env).await,
    );
    let pid = a.child.id().expect("A runs").to_string();
    let mut script_env = vec![("CHAINRS_URL_B", b.url.as_str()), ("CHAINRS_PID_A", &pid)];
    script_env.extend_from_slice(env);
    chainrs_tests::run_node_with(script, &a.url, Duration::from_secs(90), &script_env).await;
    drop((a, b));
    chainrs_tests::clean(&prefix).await;
}

/// SIGKILL of the instance that runs a reply: its tab, reconnected to another instance, ends
/// its task at once, is told the reply was lost, and the chat goes on there
/// (`tests/js/kill-instances.mjs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_leaves_no_tab_stuck_busy() {
    script_on_two_instances("kill", "kill-instances.mjs", &[]).await;
}

/// Durable delivery: what a job on A sends while its tab is away is kept in Redis and reaches
/// the tab when it reconnects to B, then the rest live, in order and once
/// (`tests/js/durable-instances.mjs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_job_sends_while_the_tab_is_away_reaches_it_on_another_instance() {
    script_on_two_instances("durable", "durable-instances.mjs", &[]).await;
}

/// Questions across instances: asked on B of a tab on A and answered back, timing out on time,
/// and asked again on B when the tab moves there before answering
/// (`tests/js/asks-instances.mjs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_reach_the_tab_on_any_instance_and_follow_it() {
    script_on_two_instances("asks", "asks-instances.mjs", &[]).await;
}

/// A free loopback port (taken and given back at once).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A rolling restart during a chat of many sessions: three instances on one Redis, each
/// restarted in turn (SIGTERM, exit 0, a new process on the same port) while the sessions chat;
/// every message whose run started gets its reply once and no client stays busy
/// (`tests/js/rolling-restart.mjs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_under_load_loses_no_reply_and_leaves_no_client_busy() {
    let prefix = chainrs_tests::test_prefix("rolling");
    let url = chainrs_tests::redis_url();
    let ports: Vec<String> = (0..3).map(|_| free_port().to_string()).collect();
    let mut instances = Vec::new();
    for port in &ports {
        instances.push(Instance::start_with(&url, &prefix, &[("CHAINRS_PORT", port)]).await);
    }
    let urls: Vec<String> = instances.iter().map(|i| i.url.clone()).collect();
    let script = {
        let (a, b, c) = (urls[0].clone(), urls[1].clone(), urls[2].clone());
        tokio::spawn(async move {
            chainrs_tests::run_node_with(
                "rolling-restart.mjs",
                &a,
                Duration::from_secs(240),
                &[
                    ("CHAINRS_URL_B", &b),
                    ("CHAINRS_URL_C", &c),
                    ("SESSIONS", "200"),
                    ("MESSAGES", "20"),
                ],
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_secs(4)).await;
    for (i, port) in ports.iter().enumerate() {
        let pid = instances[i]
            .child
            .id()
            .expect("the instance runs")
            .to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("run kill");
        assert!(killed.success(), "SIGTERM to instance {i}");
        let status = tokio::time::timeout(Duration::from_secs(40), instances[i].child.wait())
            .await
            .unwrap_or_else(|_| panic!("instance {i} ends within 40 s of its SIGTERM"))
            .expect("wait for the instance");
        assert!(
            status.success(),
            "instance {i} drains and exits with 0: {status}"
        );
        instances[i] = Instance::start_with(&url, &prefix, &[("CHAINRS_PORT", port)]).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    script.await.expect("the chat script");
    drop(instances);
    chainrs_tests::clean(&prefix).await;
}
