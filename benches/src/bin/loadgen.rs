//! `loadgen`: drives a chat server the way Chainlit's web client does, and measures it.
//!
//! For each of N sessions: the REST preflight (`GET /auth/config`, `GET /project/settings`,
//! `POST /set-session-cookie`), a Socket.IO v5 handshake over websocket with the web client's
//! auth object, `connection_successful`, then (once every session is ready) M sequential
//! `client_message`s, each timed until the assistant's reply and until `task_end`. Sessions
//! connect with bounded concurrency and then talk concurrently. Every wait is bounded.
//!
//! ```text
//! loadgen --url http://127.0.0.1:8000 --sessions 50 --messages 20 [--concurrency 50]
//!         [--pid SERVER_PID] [--label NAME] [--expire-wait SECS] [--timeout SECS]
//! ```
//!
//! Prints one JSON object: connect→ready and reply latencies (p50/p90/p99, ms), messages per
//! second, the server's CPU seconds per message and RSS (before, connected, after the messages,
//! after closing and waiting), and the generator's own CPU. Only the given host is contacted.
//!
//! `--http PATH --method GET|POST --requests R` instead calls one custom endpoint R times from
//! `--concurrency` workers, each keeping the session id the server returns, and reports
//! requests per second, latency and server CPU per request.
//!
//! `--reconnects R [--reconnect-url URL2]` instead opens R chats one after the other, sends one
//! message in each, closes its socket and opens a new one for the same session (on URL2 when
//! given: another instance sharing the sessions through Redis), and reports the time from the
//! start of that reconnect to the first event the server sends on it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message as Frame;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[derive(Clone)]
struct Options {
    url: String,
    sessions: usize,
    messages: usize,
    concurrency: usize,
    pid: Option<u32>,
    label: String,
    expire_wait: u64,
    timeout: Duration,
    http: Option<String>,
    method: String,
    requests: usize,
    reconnects: usize,
    reconnect_url: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        url: "http://127.0.0.1:8000".to_owned(),
        sessions: 1,
        messages: 20,
        concurrency: 50,
        pid: None,
        label: "server".to_owned(),
        expire_wait: 0,
        timeout: Duration::from_secs(60),
        http: None,
        method: "GET".to_owned(),
        requests: 10_000,
        reconnects: 0,
        reconnect_url: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag} takes a whole number, got {value:?}"))
        };
        match flag.as_str() {
            "--url" => o.url = value.trim_end_matches('/').to_owned(),
            "--sessions" => o.sessions = number()?.clamp(1, 100_000) as usize,
            "--messages" => o.messages = number()?.min(10_000) as usize,
            "--concurrency" => o.concurrency = number()?.clamp(1, 10_000) as usize,
            "--pid" => o.pid = Some(number()? as u32),
            "--label" => o.label = value,
            "--expire-wait" => o.expire_wait = number()?.min(3600),
            "--timeout" => o.timeout = Duration::from_secs(number()?.clamp(1, 3600)),
            "--http" => o.http = Some(value),
            "--method" => o.method = value.to_uppercase(),
            "--requests" => o.requests = number()?.clamp(1, 10_000_000) as usize,
            "--reconnects" => o.reconnects = number()?.min(100_000) as usize,
            "--reconnect-url" => o.reconnect_url = Some(value.trim_end_matches('/').to_owned()),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(o)
}

/// CPU seconds of a process: the nanosecond run times of its threads
/// (`/proc/PID/task/*/schedstat`), or, where that is missing, user + system clock ticks from
/// `/proc/PID/stat` (10 ms resolution). Threads that already exited are not counted by the
/// first; the servers measured here keep their threads.
fn cpu_seconds(pid: &str) -> Option<f64> {
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        let mut total_ns: u128 = 0;
        let mut any = false;
        for task in tasks.flatten() {
            let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) else {
                continue;
            };
            if let Some(ns) = text
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u128>().ok())
            {
                total_ns += ns;
                any = true;
            }
        }
        if any {
            return Some(total_ns as f64 / 1e9);
        }
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Resident memory of a process in KiB, from /proc.
fn rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn summary(mut values: Vec<f64>) -> Value {
    values.sort_by(|a, b| a.total_cmp(b));
    json!({
        "count": values.len(),
        "p50_ms": percentile(&values, 50.0),
        "p90_ms": percentile(&values, 90.0),
        "p99_ms": percentile(&values, 99.0),
    })
}

/// One chat session, connected and ready.
struct Chat {
    ws: Ws,
    ready_ms: f64,
}

/// Reads the next Socket.IO event (`42[...]`), answering pings; `None` when the socket closed.
async fn next_event(ws: &mut Ws) -> Result<Option<(String, Value)>, String> {
    while let Some(frame) = ws.next().await {
        let text = match frame.map_err(|e| format!("websocket: {e}"))? {
            Frame::Text(text) => text.to_string(),
            Frame::Close(_) => return Ok(None),
            _ => continue,
        };
        if text == "2" {
            ws.send(Frame::text("3"))
                .await
                .map_err(|e| format!("the server closed the socket (answering its ping: {e})"))?;
            continue;
        }
        if let Some(body) = text.strip_prefix("42") {
            let start = body.find('[').unwrap_or(0);
            let parsed: Value =
                serde_json::from_str(&body[start..]).map_err(|e| format!("bad event: {e}"))?;
            let name = parsed[0].as_str().unwrap_or_default().to_owned();
            return Ok(Some((name, parsed.get(1).cloned().unwrap_or(Value::Null))));
        }
        if text.starts_with("44") {
            return Err(format!("connect refused: {text}"));
        }
    }
    Ok(None)
}

async fn connect(http: &reqwest::Client, o: &Options) -> Result<Chat, String> {
    connect_as(http, &o.url, &uuid::Uuid::new_v4().to_string()).await
}

/// Opens a socket to `url` for `session` (Engine.IO open, Socket.IO connect) and sends
/// `connection_successful`.
async fn open_socket(url: &str, session: &str) -> Result<Ws, String> {
    let ws_url = format!(
        "{}/ws/socket.io/?EIO=4&transport=websocket",
        url.replacen("http", "ws", 1)
    );
    // Frames go out at once, as a browser's do (no Nagle on the client's socket).
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(ws_url, None, true)
        .await
        .map_err(|e| format!("websocket connect: {e}"))?;
    loop {
        match ws.next().await {
            Some(Ok(Frame::Text(t))) if t.starts_with('0') => break,
            Some(Ok(_)) => continue,
            other => return Err(format!("no Engine.IO open packet: {other:?}")),
        }
    }
    let auth = json!({"clientType": "webapp", "sessionId": session, "threadId": "",
        "userEnv": "{}", "chatProfile": ""});
    ws.send(Frame::text(format!("40{auth}")))
        .await
        .map_err(|e| format!("send connect: {e}"))?;
    loop {
        match ws.next().await {
            Some(Ok(Frame::Text(t))) if t.starts_with("40") => break,
            Some(Ok(Frame::Text(t))) if t.starts_with("44") => {
                return Err(format!("connect refused: {t}"));
            }
            Some(Ok(Frame::Text(t))) if t == "2" => {
                let _ = ws.send(Frame::text("3")).await;
            }
            Some(Ok(_)) => continue,
            other => return Err(format!("no Socket.IO connect answer: {other:?}")),
        }
    }
    ws.send(Frame::text("42[\"connection_successful\"]"))
        .await
        .map_err(|e| format!("send connection_successful: {e}"))?;
    Ok(ws)
}

/// R chats, each reconnected once; the time from a reconnect's start to its first event.
async fn run_reconnects(o: Options) -> Result<Value, String> {
    let http = reqwest::Client::new();
    let target = o.reconnect_url.clone().unwrap_or_else(|| o.url.clone());
    let mut first_event_ms = Vec::with_capacity(o.reconnects);
    for _ in 0..o.reconnects {
        let session = uuid::Uuid::new_v4().to_string();
        let mut chat = connect_as(&http, &o.url, &session).await?;
        converse(&mut chat, 1).await?;
        let _ = chat.ws.close(None).await;
        drop(chat);
        // Give the server the disconnect before the tab comes back.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = Instant::now();
        let mut ws = open_socket(&target, &session).await?;
        if next_event(&mut ws).await?.is_none() {
            return Err("the reconnected socket closed before its first event".to_owned());
        }
        first_event_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        let _ = ws.close(None).await;
    }
    Ok(json!({
        "label": o.label,
        "reconnects": o.reconnects,
        "another_instance": o.reconnect_url.is_some(),
        "reconnect_to_first_event_ms": summary(first_event_ms),
    }))
}

async fn connect_as(http: &reqwest::Client, url: &str, session: &str) -> Result<Chat, String> {
    let started = Instant::now();
    let get = |path: &str| http.get(format!("{}{path}", url)).send();
    get("/auth/config")
        .await
        .map_err(|e| format!("auth/config: {e}"))?;
    get("/project/settings?language=en-US")
        .await
        .map_err(|e| format!("project/settings: {e}"))?;
    http.post(format!("{}/set-session-cookie", url))
        .json(&json!({ "session_id": session }))
        .send()
        .await
        .map_err(|e| format!("set-session-cookie: {e}"))?;
    let mut ws = open_socket(url, session).await?;
    // Ready after the second task_end (one for connection_successful, one closing on_chat_start).
    let mut task_ends = 0;
    while task_ends < 2 {
        match next_event(&mut ws).await? {
            Some((name, _)) if name == "task_end" => task_ends += 1,
            Some(_) => {}
            None => return Err("closed before ready".to_owned()),
        }
    }
    Ok(Chat {
        ws,
        ready_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// Sends M messages one after the other; returns (reply ms, task_end ms) per message.
async fn converse(chat: &mut Chat, messages: usize) -> Result<Vec<(f64, f64)>, String> {
    let mut timings = Vec::with_capacity(messages);
    for i in 0..messages {
        let payload = json!(["client_message", {"message": {
            "id": uuid::Uuid::new_v4(), "output": format!("hello {i}"),
            "createdAt": "2026-01-01T00:00:00Z", "type": "user_message", "name": "User",
            "threadId": "", "metadata": {}}, "fileReferences": []}]);
        let sent = Instant::now();
        chat.ws
            .send(Frame::text(format!("42{payload}")))
            .await
            .map_err(|e| format!("send message: {e}"))?;
        let mut reply = None;
        loop {
            match next_event(&mut chat.ws).await? {
                Some((name, body)) => {
                    let is_reply = name == "new_message"
                        && body["type"] == "assistant_message"
                        && body["output"]
                            .as_str()
                            .is_some_and(|o| o.starts_with("echo #"));
                    if is_reply && reply.is_none() {
                        reply = Some(sent.elapsed());
                    }
                    if name == "task_end" {
                        break;
                    }
                }
                None => return Err(format!("closed during message {i}")),
            }
        }
        let done = sent.elapsed();
        let reply = reply.ok_or("no echo reply before task_end")?;
        timings.push((reply.as_secs_f64() * 1000.0, done.as_secs_f64() * 1000.0));
    }
    Ok(timings)
}

#[tokio::main]
async fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(err) => {
            eprintln!("loadgen: {err}");
            std::process::exit(2);
        }
    };
    let outcome = if o.http.is_some() {
        run_http(o).await
    } else if o.reconnects > 0 {
        run_reconnects(o).await
    } else {
        run(o).await
    };
    match outcome {
        Ok(report) => println!("{report}"),
        Err(err) => {
            eprintln!("loadgen: {err}");
            std::process::exit(1);
        }
    }
}

async fn run(o: Options) -> Result<Value, String> {
    let pid = o.pid.map(|p| p.to_string());
    let server_rss = || pid.as_deref().and_then(rss_kib);
    let server_cpu = || pid.as_deref().and_then(cpu_seconds);
    let own_cpu_start = cpu_seconds("self");
    let rss_before = server_rss();

    let http = reqwest::Client::new();
    let gate = Arc::new(Semaphore::new(o.concurrency));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let (go_tx, go_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::with_capacity(o.sessions);
    for _ in 0..o.sessions {
        let (http, gate, o) = (http.clone(), gate.clone(), o.clone());
        let (ready, mut go) = (ready_tx.clone(), go_rx.clone());
        tasks.push(tokio::spawn(async move {
            let connected = {
                let _permit = gate.acquire().await.map_err(|e| e.to_string());
                tokio::time::timeout(o.timeout, connect(&http, &o))
                    .await
                    .unwrap_or_else(|_| Err("connect timed out".to_owned()))
            };
            let _ = ready.send(());
            let mut chat = connected?;
            // Until every session is ready, stay a live client: answer the server's pings.
            while !*go.borrow() {
                tokio::select! {
                    changed = go.changed() => {
                        if changed.is_err() {
                            return Err("the run was abandoned".to_owned());
                        }
                    }
                    event = next_event(&mut chat.ws) => {
                        if event?.is_none() {
                            return Err("closed while waiting for the others".to_owned());
                        }
                    }
                }
            }
            let timings = tokio::time::timeout(o.timeout, converse(&mut chat, o.messages))
                .await
                .unwrap_or_else(|_| Err("messages timed out".to_owned()))?;
            Ok::<_, String>((chat, timings))
        }));
    }
    drop(ready_tx);
    for _ in 0..o.sessions {
        if ready_rx.recv().await.is_none() {
            break;
        }
    }
    let rss_connected = server_rss();
    let cpu_before = server_cpu();
    let started = Instant::now();
    let _ = go_tx.send(true);
    let mut chats = Vec::new();
    let (mut ready, mut replies, mut ends, mut errors) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for task in tasks {
        match task.await.map_err(|e| e.to_string())? {
            Ok((chat, timings)) => {
                ready.push(chat.ready_ms);
                for (reply, end) in timings {
                    replies.push(reply);
                    ends.push(end);
                }
                chats.push(chat);
            }
            Err(err) => errors.push(err),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = server_cpu();
    let rss_after_messages = server_rss();
    let sent = replies.len();
    for mut chat in chats {
        let _ = chat.ws.send(Frame::text("42[\"clear_session\"]")).await;
        let _ = chat.ws.close(None).await;
    }
    tokio::time::sleep(Duration::from_secs(o.expire_wait.max(1))).await;
    let rss_after_close = server_rss();
    let own_cpu = match (own_cpu_start, cpu_seconds("self")) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let server_cpu_used = match (cpu_before, cpu_after) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    Ok(json!({
        "label": o.label,
        "sessions": o.sessions,
        "messages_per_session": o.messages,
        "failed_sessions": errors.len(),
        "first_error": errors.first(),
        "connect_to_ready": summary(ready),
        "reply": summary(replies),
        "task_end": summary(ends),
        "messages": sent,
        "seconds": elapsed,
        "messages_per_second": sent as f64 / elapsed,
        "server_cpu_seconds": server_cpu_used,
        "server_cpu_ms_per_message": server_cpu_used.map(|c| c * 1000.0 / sent.max(1) as f64),
        "loadgen_cpu_seconds": own_cpu,
        "server_rss_kib": {
            "before": rss_before,
            "connected": rss_connected,
            "after_messages": rss_after_messages,
            "after_close": rss_after_close,
        },
    }))
}

/// The custom-endpoint mode (see the module docs).
async fn run_http(o: Options) -> Result<Value, String> {
    let path = o.http.clone().unwrap_or_default();
    let url = format!("{}{path}", o.url);
    let method = reqwest::Method::from_bytes(o.method.as_bytes())
        .map_err(|_| format!("bad method {}", o.method))?;
    let pid = o.pid.map(|p| p.to_string());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(o.concurrency)
        .build()
        .map_err(|e| e.to_string())?;
    let own_before = cpu_seconds("self");
    let cpu_before = pid.as_deref().and_then(cpu_seconds);
    let started = Instant::now();
    let per_worker = o.requests.div_ceil(o.concurrency);
    let mut workers = Vec::new();
    for _ in 0..o.concurrency {
        let (http, url, method, timeout) = (http.clone(), url.clone(), method.clone(), o.timeout);
        workers.push(tokio::spawn(async move {
            let mut session: Option<String> = None;
            let mut latencies = Vec::with_capacity(per_worker);
            for _ in 0..per_worker {
                let mut request = http.request(method.clone(), &url);
                if let Some(id) = &session {
                    request = request.header("x-chainrs-session-id", id);
                }
                let sent = Instant::now();
                let response = tokio::time::timeout(timeout, request.send())
                    .await
                    .map_err(|_| "request timed out".to_owned())?
                    .map_err(|e| e.to_string())?;
                if !response.status().is_success() {
                    return Err(format!("{url}: {}", response.status()));
                }
                if session.is_none() {
                    session = response
                        .headers()
                        .get("x-chainrs-session-id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                }
                let _ = response.bytes().await.map_err(|e| e.to_string())?;
                latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, String>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.map_err(|e| e.to_string())??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let done = latencies.len();
    let server_cpu = match (cpu_before, pid.as_deref().and_then(cpu_seconds)) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let own = match (own_before, cpu_seconds("self")) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    Ok(json!({
        "label": o.label,
        "path": path,
        "requests": done,
        "concurrency": o.concurrency,
        "seconds": elapsed,
        "requests_per_second": done as f64 / elapsed,
        "latency": summary(latencies),
        "server_cpu_ms_per_request": server_cpu.map(|c| c * 1000.0 / done.max(1) as f64),
        "loadgen_cpu_seconds": own,
    }))
}
