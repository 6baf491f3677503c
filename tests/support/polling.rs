//! A Socket.IO connect over Engine.IO long-polling with plain HTTP requests: enough to see how
//! the server answers a handshake (its headers and `auth` object) without a Socket.IO client.

use serde_json::Value;

/// Opens an Engine.IO polling session at `base` with these request headers and sends the
/// Socket.IO CONNECT with `auth`; returns the client and the session's polling URL.
pub async fn polling_connect(
    base: &str,
    headers: &[(&str, &str)],
    auth: &Value,
) -> (reqwest::Client, String) {
    let http = reqwest::Client::new();
    let url = format!("{base}/ws/socket.io/?EIO=4&transport=polling");
    let open = with_headers(http.get(&url), headers)
        .send()
        .await
        .expect("engine.io open")
        .text()
        .await
        .expect("open body");
    let sid = serde_json::from_str::<Value>(open.trim_start_matches('0'))
        .ok()
        .and_then(|v| v["sid"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no engine.io sid in {open:?}"));
    let url = format!("{url}&sid={sid}");
    let sent = with_headers(http.post(&url), headers)
        .body(format!("40{auth}"))
        .send()
        .await
        .expect("socket.io connect");
    assert!(sent.status().is_success(), "{}", sent.status());
    (http, url)
}

fn with_headers(
    mut request: reqwest::RequestBuilder,
    headers: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
}

/// Connects as [`polling_connect`] does and returns the server's answer packet: `40…` when the
/// socket joined, `44…` (with the reason) when it was refused. Pings are answered on the way.
pub async fn socket_connect(base: &str, headers: &[(&str, &str)], auth: &Value) -> String {
    let (http, url) = polling_connect(base, headers, auth).await;
    for _ in 0..10 {
        let polled = with_headers(http.get(&url), headers)
            .send()
            .await
            .expect("poll")
            .text()
            .await
            .expect("poll body");
        // A polling payload holds packets separated by the record separator.
        let packets: Vec<&str> = polled.split('\u{1e}').collect();
        if let Some(answer) = packets
            .iter()
            .find(|packet| packet.starts_with("40") || packet.starts_with("44"))
        {
            return (*answer).to_owned();
        }
        if packets.contains(&"2") {
            let _ = with_headers(http.post(&url), headers)
                .body("3")
                .send()
                .await;
        }
    }
    panic!("no answer to the socket.io connect");
}
