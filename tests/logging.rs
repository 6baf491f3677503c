//! A `tracing` event for every session state change, inside the session's span. Alone in its
//! test binary: tracing caches per-callsite interest process-wide, so a scoped subscriber only
//! sees every event when no other test races it to the callsites.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chainrs::prelude::*;
use chainrs::testing::TestClient;

use chainrs_tests::{Turns, touch_app as app};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn every_session_state_change_is_logged_in_the_sessions_span() -> chainrs::Result<()> {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("chainrs=debug")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let client = TestClient::new(app(Duration::from_secs(30)))?;
    let mut chat = client.open_chat().await?;
    let id = chat.session_id();
    chat.send("hello").await?;
    drop(chat);
    let chat = client.reconnect_chat(id, None).await?;
    chat.close().await?;
    let headless = client
        .post("/touch")
        .send()
        .await
        .session_id()
        .ok_or_else(|| chainrs::Error::handler("no id"))?;
    tokio::time::advance(Duration::from_secs(31)).await;
    client.sweep().await?;

    let lines = captured.lines();
    let find = |needle: &str, session: SessionId| in_session(&lines, needle, session);
    let created = find("session created", id);
    assert_eq!(created.len(), 1, "{lines:#?}");
    assert!(
        created[0].contains("thread_id=") && created[0].contains("origin=Chat"),
        "{created:?}"
    );
    let key = UserSession::<Turns>::key();
    let updated = find("session key updated", id);
    assert!(
        updated
            .iter()
            .any(|l| l.contains(&format!("key=\"{key}\"")) && l.contains("version=1")),
        "{updated:#?}"
    );
    assert!(
        !updated.iter().any(|l| l.contains("\"n\"")),
        "values are never logged"
    );
    assert_eq!(find("session restored", id).len(), 1, "{lines:#?}");
    assert_eq!(find("session cleared", id).len(), 1, "{lines:#?}");
    assert!(find("session cleared", id)[0].contains("clear_session"));
    assert_eq!(find("session created", headless).len(), 1);
    assert!(find("session created", headless)[0].contains("origin=Http"));
    assert_eq!(find("session expired", headless).len(), 1, "{lines:#?}");

    // Logins and refusals.
    let login_app = TestClient::new(App::new().register(check).register(whoami))?;
    let ann = login_app.login("ann", "ann-pw").await?;
    let bob = login_app.login("bob", "bob-pw").await?;
    let stolen = login_app
        .get("/whoami")
        .bearer(&bob.token)
        .session(ann.session_id)
        .send()
        .await;
    assert_eq!(stolen.status(), StatusCode::FORBIDDEN);
    let forged = login_app.get("/whoami").bearer("not.a.token").send().await;
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);

    let lines = captured.lines();
    let find = |needle: &str, session: SessionId| in_session(&lines, needle, session);
    let bound = find("user bound", ann.session_id);
    assert_eq!(bound.len(), 1, "{lines:#?}");
    assert!(bound[0].contains("user=\"ann\""), "{bound:?}");
    let refused = find("session refused", ann.session_id);
    assert_eq!(refused.len(), 1, "{lines:#?}");
    assert!(
        refused[0].contains("it belongs to another user") && refused[0].contains("caller=\"bob\""),
        "{refused:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("token refused") && l.contains("the token is malformed")),
        "{lines:#?}"
    );
    Ok(())
}

/// The captured lines that contain `needle` inside `session`'s span.
fn in_session(lines: &[String], needle: &str, session: SessionId) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.contains(needle) && l.contains(&format!("session_id={session}")))
        .cloned()
        .collect()
}

#[password_auth_callback]
async fn check(username: String, password: String) -> Option<User> {
    (password == format!("{username}-pw")).then(|| User::new(username))
}

#[endpoint(http, method = "GET", path = "/whoami")]
async fn whoami(user: User) -> String {
    user.identifier
}
