//! Connection limits: connections that never finish their request head are closed after the
//! header timeout, one client address cannot take every connection, bodies are capped, and a
//! normal chat is served throughout, also in a process whose file-descriptor limit is 1,024.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use chainrs::prelude::*;
use chainrs::testing::TestClient;
use chainrs_tests::{Served, polling_connect};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::process::{Child, Command};

/// Connections the attacker opens, all from 127.0.0.2 (the chat comes from 127.0.0.1).
const IDLE: usize = 2_000;
/// The header timeout the servers under test use.
const HEADER_TIMEOUT: Duration = Duration::from_secs(2);
/// Margin for a loaded machine on top of the header timeout.
const MARGIN: Duration = Duration::from_secs(15);

#[on_message]
async fn echo(msg: Message) -> chainrs::Result<()> {
    Message::new(msg.content).send().await?;
    Ok(())
}

/// Opens `IDLE` connections from 127.0.0.2 that never finish a request: half send nothing,
/// half the start of a request head.
async fn open_idle(addr: SocketAddr) -> Vec<TcpStream> {
    let mut idle = Vec::with_capacity(IDLE);
    for i in 0..IDLE {
        let socket = TcpSocket::new_v4().expect("socket");
        socket
            .bind("127.0.0.2:0".parse().expect("address"))
            .expect("bind 127.0.0.2");
        let mut stream = socket.connect(addr).await.expect("connect");
        if i % 2 == 1 {
            stream
                .write_all(b"GET /auth/config HTTP/1.1\r\nHost: slow\r\n")
                .await
                .expect("write a partial head");
        }
        idle.push(stream);
    }
    idle
}

/// Waits until every connection was closed by the server (end of stream or reset); returns
/// how many were answered 503 first (refused over a limit) and how long it took.
async fn all_closed(idle: Vec<TcpStream>) -> (usize, Duration) {
    let started = Instant::now();
    let readers = idle.into_iter().map(|mut stream| {
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let read = tokio::time::timeout(HEADER_TIMEOUT + MARGIN, async {
                let mut buf = [0u8; 512];
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
            })
            .await;
            (read.is_ok(), seen.starts_with(b"HTTP/1.1 503"))
        })
    });
    let mut refused = 0;
    for reader in readers {
        let (closed, was_refused) = reader.await.expect("reader");
        assert!(
            closed,
            "a connection was still open {:?} after the header timeout",
            MARGIN
        );
        refused += usize::from(was_refused);
    }
    (refused, started.elapsed())
}

/// One chat turn over the headless API: the echo comes back.
async fn chat_turn(http: &reqwest::Client, base: &str, token: Option<&str>, text: &str) {
    let mut request = http
        .post(format!("{base}/chat/message"))
        .json(&json!({ "content": text }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = tokio::time::timeout(Duration::from_secs(10), request.send())
        .await
        .expect("the chat answers while the idle connections are open")
        .expect("chat request");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let body: Value = response.json().await.expect("chat body");
    let echoed = body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["content"].as_str())
        .any(|said| said.ends_with(text));
    assert!(echoed, "{body}");
}

/// Chats a few times over the header timeout, from another address than the idle connections.
async fn chat_throughout(base: &str, token: Option<&str>) {
    let http = reqwest::Client::new();
    for turn in 0..4 {
        chat_turn(&http, base, token, &format!("turn {turn}")).await;
        tokio::time::sleep(HEADER_TIMEOUT / 2).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_and_a_chat_is_served_meanwhile() -> chainrs::Result<()> {
    let mut config = chainrs::Config::default();
    config.header_read_timeout = HEADER_TIMEOUT;
    config.max_connections_per_address = 600;
    let served = Served::start(App::new().register(echo).config(config)).await?;
    let idle = open_idle(served.addr).await;
    let base = served.base();
    let (closed, ()) = tokio::join!(all_closed(idle), chat_throughout(&base, None));
    let (refused, took) = closed;
    // 127.0.0.2 may hold 600 connections: the others were refused at once with a 503.
    assert_eq!(refused, IDLE - 600, "refusals over the per-address limit");
    assert!(took <= HEADER_TIMEOUT + MARGIN, "{took:?}");
    served.stop().await
}

/// The hello app as a process whose file-descriptor limit is 1,024 (soft and hard).
async fn instance_with_1024_fds() -> (Child, String) {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg("ulimit -n 1024 && exec \"$0\"")
        .arg(env!("CARGO_BIN_EXE_chainrs-instance"))
        .env("CHAINRS_PORT", "0")
        .env_remove("CHAINRS_REDIS_URL")
        .env(
            "CHAINRS_AUTH_SECRET",
            "limits-test-secret-0123456789abcdef0123",
        )
        .env("CHAINRS_DEV", "0")
        .env(
            "CHAINRS_HEADER_TIMEOUT",
            HEADER_TIMEOUT.as_secs().to_string(),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start the chainrs-instance binary");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::time::timeout(
        Duration::from_secs(20),
        BufReader::new(stdout).lines().next_line(),
    )
    .await
    .expect("the instance starts within 20 s")
    .expect("read stdout");
    let addr = line
        .as_deref()
        .and_then(|l| l.strip_prefix("listening on "))
        .unwrap_or_else(|| panic!("the instance did not start: {line:?}"))
        .to_owned();
    (child, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_1024_file_descriptors_idle_connections_do_not_stop_the_app() {
    let (_child, addr) = instance_with_1024_fds().await;
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/login"))
        .form(&[("username", "admin"), ("password", "admin")])
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login body");
    let token = login["access_token"].as_str().expect("a token").to_owned();
    let idle = open_idle(addr.parse().expect("address")).await;
    let (closed, ()) = tokio::join!(all_closed(idle), chat_throughout(&base, Some(&token)));
    // 1,024 descriptors hold 960 connections at most, and one address 512 of them.
    assert_eq!(closed.0, IDLE - 512, "refusals over the per-address limit");
    // Once they are gone, the app still serves.
    chat_turn(&http, &base, Some(&token), "after").await;
}

#[endpoint(http, method = "POST", path = "/upload")]
async fn upload(body: String) -> String {
    body.len().to_string()
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() -> chainrs::Result<()> {
    let mut config = chainrs::Config::default();
    config.max_body_bytes = 1024;
    let client = TestClient::new(App::new().register(upload).config(config))?;
    let fits = client.post("/upload").body("x".repeat(1024)).send().await;
    assert_eq!(
        (fits.status(), fits.text()),
        (StatusCode::OK, "1024".to_owned())
    );
    let over = client.post("/upload").body("x".repeat(1025)).send().await;
    assert_eq!(over.status(), StatusCode::PAYLOAD_TOO_LARGE);
    Ok(())
}

/// Reads a websocket without ever answering a ping; `true` once the server closed it.
async fn closed_without_pong(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> bool {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message as Frame;
    loop {
        match tokio::time::timeout(Duration::from_secs(15), ws.next()).await {
            Err(_) => return false,
            Ok(None | Some(Err(_)) | Some(Ok(Frame::Close(_)))) => return true,
            Ok(Some(Ok(_))) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_and_polling_sessions_that_stop_answering_are_closed() -> chainrs::Result<()> {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as Frame;
    let mut config = chainrs::Config::default();
    config.ping_interval = Duration::from_secs(1);
    config.ping_timeout = Duration::from_secs(1);
    let served = Served::start(App::new().register(echo).config(config)).await?;
    let addr = served.addr;
    // A websocket tab that joins, then never answers a ping.
    let (mut ws, _) = tokio_tungstenite::connect_async(format!(
        "ws://{addr}/ws/socket.io/?EIO=4&transport=websocket"
    ))
    .await
    .expect("websocket");
    let opened = ws.next().await.expect("open").expect("open frame");
    assert!(
        opened.to_text().is_ok_and(|t| t.starts_with('0')),
        "{opened:?}"
    );
    let auth = json!({ "sessionId": uuid::Uuid::new_v4() });
    ws.send(Frame::Text(format!("40{auth}").into()))
        .await
        .expect("connect");
    assert!(
        closed_without_pong(&mut ws).await,
        "a socket that never answered a ping is still open"
    );
    // A polling session that connects, then never polls again.
    let (http, url) = polling_connect(&format!("http://{addr}"), &[], &auth).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let gone = http.get(&url).send().await.expect("poll");
    assert_eq!(
        gone.status(),
        reqwest::StatusCode::BAD_REQUEST,
        "the polling session is kept"
    );
    // Their tabs are freed.
    let deadline = Instant::now() + Duration::from_secs(10);
    while served.stats().sockets > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(served.stats().sockets, 0);
    served.stop().await
}
