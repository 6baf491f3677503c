//! Origin checks: a page of another origin (or a `null` one) cannot open a chat socket or send a
//! cookie-authenticated write with the user's cookie; the app's own origin, listed origins,
//! clients that send no `Origin` and bearer-token calls pass.

use chainrs::prelude::*;
use chainrs::testing::TestClient;
use chainrs_tests::{Served, echo_back, name_is_password, socket_connect};
use serde_json::{Value, json};

const SECRET: &str = "origins-test-secret-0123456789abcdef012345";

fn app() -> App {
    App::new()
        .register(name_is_password)
        .register(echo_back)
        .auth_secret(SECRET)
        .allowed_origins(["https://embed.example.com"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_socket_refuses_foreign_and_null_origins_and_admits_its_own() -> chainrs::Result<()> {
    let served = Served::start(app()).await?;
    let (addr, base) = (served.addr, served.base());
    let logged_in = reqwest::Client::new()
        .post(format!("{base}/login"))
        .form(&[("username", "ada"), ("password", "ada")])
        .send()
        .await
        .expect("login");
    let body: Value = logged_in.json().await.expect("login body");
    let cookie = format!(
        "access_token={}",
        body["access_token"].as_str().expect("a token")
    );
    let own = format!("http://{addr}");
    for (origin, admitted) in [
        (Some(own.as_str()), true),
        (None, true),
        (Some("https://embed.example.com"), true),
        (Some("https://evil.example"), false),
        (Some("null"), false),
    ] {
        let auth =
            json!({ "sessionId": uuid::Uuid::new_v4(), "clientType": "webapp", "userEnv": "{}" });
        let mut headers = vec![("cookie", cookie.as_str())];
        headers.extend(origin.map(|o| ("origin", o)));
        let answer = socket_connect(&base, &headers, &auth).await;
        if admitted {
            assert!(answer.starts_with("40"), "{origin:?}: {answer}");
        } else {
            assert!(
                answer.starts_with("44"),
                "{origin:?} was admitted: {answer}"
            );
            assert!(
                answer.contains("origin") || answer.contains("Origin"),
                "{answer}"
            );
        }
    }
    served.stop().await
}

#[tokio::test]
async fn cookie_writes_from_foreign_origins_are_refused_and_bearer_calls_pass()
-> chainrs::Result<()> {
    let client = TestClient::new(app())?;
    // Each accepted logout ends its token, so each call logs in afresh.
    let logout = async |origin: &'static str| {
        let token = client.login("ada", "ada").await.expect("login").token;
        client
            .post("/logout")
            .header("cookie", &format!("access_token={token}"))
            .header("host", "chat.local")
            .header("origin", origin)
            .send()
            .await
    };
    let foreign = logout("https://evil.example").await;
    assert_eq!(
        foreign.status(),
        StatusCode::FORBIDDEN,
        "{}",
        foreign.text()
    );
    assert!(
        foreign.text().contains("https://evil.example"),
        "{}",
        foreign.text()
    );
    assert_eq!(logout("null").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(logout("http://chat.local").await.status(), StatusCode::OK);
    assert_eq!(
        logout("https://embed.example.com").await.status(),
        StatusCode::OK
    );
    // A bearer token is never sent by a browser on its own: no origin check.
    let token = client.login("ada", "ada").await?.token;
    let read = client
        .get("/user")
        .header("cookie", &format!("access_token={token}"))
        .header("origin", "https://evil.example")
        .send()
        .await;
    // Reads are not checked.
    assert_eq!(read.status(), StatusCode::OK);
    let bearer = client
        .post("/logout")
        .bearer(&token)
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert_eq!(bearer.status(), StatusCode::OK);
    Ok(())
}
