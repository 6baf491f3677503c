//! A bounded socket fuzz: while connections send malformed Engine.IO and Socket.IO frames,
//! payloads of the wrong types, oversized frames, invalid UTF-8 and reconnect storms, a
//! well-behaved tab beside them gets every reply, and the server still serves afterwards.

use std::time::Duration;

use chainrs::prelude::*;
use chainrs_tests::Served;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as Frame;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Fuzzing connections at once, and frames each sends.
const FUZZERS: usize = 6;
const FRAMES: usize = 150;
/// Turns the well-behaved tab takes while they run.
const TURNS: usize = 25;

#[on_message]
async fn echo(msg: Message) -> chainrs::Result<()> {
    Message::new(format!("echo: {}", msg.content))
        .send()
        .await?;
    Ok(())
}

/// A small deterministic generator (xorshift64*), so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).unwrap_or(1)).unwrap_or(0)
    }

    fn text(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| {
                char::from_u32(u32::try_from(self.next() % 0x2FF).unwrap_or(65)).unwrap_or('x')
            })
            .collect()
    }
}

/// One frame a misbehaving client might send.
fn bad_frame(rng: &mut Rng) -> Frame {
    let id = uuid::Uuid::new_v4();
    let text = match rng.below(14) {
        0 => {
            let len = rng.below(64);
            rng.text(len)
        }
        1 => format!("4{}", rng.text(20)),
        2 => "42[\"client_message\", {bad".to_owned(),
        3 => "42[\"client_message\", 5]".to_owned(),
        4 => "42[1, 2, 3]".to_owned(),
        5 => format!("42[\"client_message\",{{\"message\":{{\"id\":\"{id}\",\"output\":7}}}}]"),
        6 => "42[\"client_message\",{\"message\":{\"id\":\"nope\",\"output\":\"x\"}}]".to_owned(),
        7 => "42[\"no_such_event\",{}]".to_owned(),
        8 => "42[\"chat_settings_change\",[1,2]]".to_owned(),
        9 => "42[\"stop\"]".to_owned(),
        10 => "40{\"sessionId\":17}".to_owned(),
        11 => "9".to_owned(),
        12 => return Frame::Binary(vec![0xff, 0xfe, 0xfd, 0x00, 0xc3].into()),
        // Over the app's message limit (an error event), or over max_payload (the socket closes).
        _ => format!(
            "42[\"client_message\",{{\"message\":{{\"id\":\"{id}\",\"output\":\"{}\"}}}}]",
            "y".repeat(if rng.below(2) == 0 {
                300_000
            } else {
                1_100_000
            })
        ),
    };
    Frame::Text(text.into())
}

async fn open(base: &str) -> Option<Socket> {
    let url = format!(
        "{}/ws/socket.io/?EIO=4&transport=websocket",
        base.replace("http", "ws")
    );
    tokio_tungstenite::connect_async(url)
        .await
        .ok()
        .map(|(ws, _)| ws)
}

/// Reads text frames until one satisfies `want`, answering pings; `None` if the socket ends.
async fn read_until(ws: &mut Socket, want: impl Fn(&str) -> bool) -> Option<String> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .ok()??
            .ok()?;
        let Frame::Text(text) = frame else { continue };
        if text.as_str() == "2" {
            ws.send(Frame::Text("3".into())).await.ok()?;
            continue;
        }
        if want(text.as_str()) {
            return Some(text.as_str().to_owned());
        }
    }
}

/// A tab that joins properly: open, connect, `connection_successful`.
async fn good_tab(base: &str) -> Socket {
    let mut ws = open(base).await.expect("the good tab connects");
    read_until(&mut ws, |t| t.starts_with('0'))
        .await
        .expect("engine.io open");
    let auth =
        json!({ "sessionId": uuid::Uuid::new_v4(), "clientType": "webapp", "userEnv": "{}" });
    ws.send(Frame::Text(format!("40{auth}").into()))
        .await
        .expect("send connect");
    read_until(&mut ws, |t| t.starts_with("40"))
        .await
        .expect("socket.io connect");
    ws.send(Frame::Text("42[\"connection_successful\"]".into()))
        .await
        .expect("send ready");
    ws
}

/// One message and its echo.
async fn turn(ws: &mut Socket, n: usize) {
    let said = format!("turn {n}");
    let message =
        json!(["client_message", { "message": { "id": uuid::Uuid::new_v4(), "output": said } }]);
    ws.send(Frame::Text(format!("42{message}").into()))
        .await
        .expect("the good tab can send");
    let want = format!("echo: {said}");
    let reply = read_until(ws, |t| {
        t.strip_prefix("42")
            .and_then(|rest| serde_json::from_str::<Value>(rest).ok())
            .is_some_and(|event| event[0] == "new_message" && event[1]["output"] == want)
    })
    .await;
    assert!(reply.is_some(), "the good tab got no reply to {said:?}");
}

/// Sends `FRAMES` bad frames over sockets it reopens now and then; returns how many frames the
/// server took and how many sockets were opened.
async fn fuzz(base: String, seed: u64) -> (usize, usize) {
    let mut rng = Rng(seed);
    let mut ws = None;
    let (mut sent, mut opened) = (0, 0);
    for _ in 0..FRAMES {
        // A reconnect storm now and then: drop the socket and open another.
        if ws.is_none() || rng.below(12) == 0 {
            ws = open(&base).await;
            opened += usize::from(ws.is_some());
            if let Some(socket) = ws.as_mut() {
                let auth = json!({ "sessionId": uuid::Uuid::new_v4() });
                let _ = socket.send(Frame::Text(format!("40{auth}").into())).await;
            }
        }
        let Some(socket) = ws.as_mut() else { continue };
        if socket.send(bad_frame(&mut rng)).await.is_err() {
            // The server closed this one (a frame it cannot parse, or over max_payload).
            ws = None;
        } else {
            sent += 1;
        }
    }
    (sent, opened)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_tab_gets_every_reply_while_others_send_garbage() -> chainrs::Result<()> {
    let served = Served::start(App::new().register(echo)).await?;
    let base = served.base();
    let mut good = good_tab(&base).await;
    let fuzzers: Vec<_> = (0..FUZZERS)
        .map(|i| tokio::spawn(fuzz(base.clone(), 0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1))))
        .collect();
    for n in 0..TURNS {
        turn(&mut good, n).await;
    }
    let (mut sent, mut opened) = (0, 0);
    for fuzzer in fuzzers {
        let (s, o) = fuzzer.await.expect("fuzzer task");
        sent += s;
        opened += o;
    }
    // The fuzz reached the server: most frames were taken, over many sockets.
    assert!(sent >= FUZZERS * FRAMES / 2, "only {sent} frames sent");
    assert!(opened >= FUZZERS * 5, "only {opened} sockets opened");
    // Still serving: the good tab goes on, and a new tab joins.
    turn(&mut good, TURNS).await;
    let mut fresh = good_tab(&base).await;
    turn(&mut fresh, 0).await;
    let config = reqwest::get(format!("{base}/auth/config"))
        .await
        .expect("the server answers HTTP");
    assert_eq!(config.status(), reqwest::StatusCode::OK);
    served.stop().await
}
