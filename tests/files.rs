//! Elements and files: what a handler sends (images, texts, custom elements, the side panel)
//! reaches the tab and is served back at `/project/file/{id}` to its session only; uploads follow
//! the app's rules or the ask they answer, reach `#[on_message]` as elements, and are refused
//! with Chainlit's status and a `detail` when they break a rule.

use std::time::Duration;

use chainrs::files::{DiskStore, FileStore};
use chainrs::prelude::*;
use chainrs::protocol::{AskKind, ElementDict, ServerEvent};
use chainrs::testing::{TestChat, TestClient};
use chainrs_tests::{clean, name_is_password, redis_store};
use serde_json::{Value, json};

const SECRET: &str = "files-test-secret-0123456789abcdef0123456789";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n-not-really-a-picture";

fn temp_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("chainrs-{name}-{}", uuid::Uuid::new_v4()))
}

/// Sends elements of every content source; runs the commands the tests use.
#[on_message]
async fn show(msg: Message) -> chainrs::Result<()> {
    match msg.content.as_str() {
        "/elements" => {
            Message::new("the chart and the notes")
                .with_element(Element::image("chart").bytes(PNG))
                .with_element(
                    Element::text("notes")
                        .content("fn main() {}")
                        .language("rust")
                        .display(Display::Side),
                )
                .with_element(Element::file("remote").url("https://example.com/a.pdf"))
                .send()
                .await?;
        }
        "/custom" => {
            let mut props = serde_json::Map::new();
            props.insert("count".to_owned(), json!(1));
            Element::custom("Counter", props).send(None).await?;
        }
        "/sidebar" => {
            ElementSidebar::set_title("Sources").await?;
            ElementSidebar::set_elements(
                vec![Element::text("source").content("cited text")],
                Some("sources".to_owned()),
            )
            .await?;
        }
        "/ask" => {
            let files = AskFileMessage::new("Upload a text file", Accept::mime(["text/plain"]))
                .max_size_mb(1)
                .send()
                .await?;
            let text = match files {
                Some(files) => {
                    let mut lines = Vec::new();
                    for file in files {
                        let content = file.read().await?;
                        lines.push(format!(
                            "{}: {}",
                            file.name(),
                            String::from_utf8_lossy(&content)
                        ));
                    }
                    lines.join("\n")
                }
                None => "no file".to_owned(),
            };
            Message::new(text).send().await?;
        }
        _ => {
            // Attached files: name, type and content of each.
            let mut lines = vec![format!("{} file(s)", msg.elements.len())];
            for file in &msg.elements {
                let content = file.read().await?;
                lines.push(format!(
                    "{} {:?} {} {}",
                    file.name(),
                    file.kind(),
                    file.mime_type().unwrap_or("?"),
                    String::from_utf8_lossy(&content)
                ));
            }
            Message::new(lines.join("\n")).send().await?;
        }
    }
    Ok(())
}

fn app(files: &std::path::Path) -> App {
    App::new()
        .register(show)
        .file_store(DiskStore::new(files))
        .file_upload(
            FileUpload::new()
                .accept(Accept::mime(["image/*", "text/plain"]))
                .max_size_mb(1),
        )
}

fn elements(events: &[ServerEvent]) -> Vec<ElementDict> {
    events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Element(element) => Some(element.clone()),
            _ => None,
        })
        .collect()
}

async fn upload(
    client: &TestClient,
    session: SessionId,
    name: &str,
    mime: &str,
    content: &[u8],
) -> (u16, Value) {
    let response = client
        .post(&format!("/project/file?session_id={session}"))
        .file(name, mime, content.to_vec())
        .send()
        .await;
    (
        response.status().as_u16(),
        response.json().unwrap_or(Value::Null),
    )
}

fn detail(body: &Value) -> &str {
    body["detail"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn elements_reach_the_tab_and_their_content_only_their_session() -> chainrs::Result<()> {
    let dir = temp_dir("elements");
    let client = TestClient::new(app(&dir))?;
    let mut chat = client.open_chat().await?;
    let seen = chat.send("/elements").await?;
    let message_id = seen
        .events()
        .iter()
        .find_map(|e| match e {
            ServerEvent::NewMessage(step) if step.output == "the chart and the notes" => {
                Some(step.id)
            }
            _ => None,
        })
        .expect("the message");
    let sent = elements(seen.events());
    assert_eq!(sent.len(), 3, "{:?}", seen.names());
    assert!(sent.iter().all(|e| e.for_id == Some(message_id)));
    assert!(
        sent.iter()
            .all(|e| e.thread_id == Some(chat.session().thread_id()))
    );
    let (chart, notes, remote) = (&sent[0], &sent[1], &sent[2]);
    assert_eq!(
        chart.mime.as_deref(),
        Some("image/png"),
        "guessed from the bytes"
    );
    assert_eq!(notes.language.as_deref(), Some("rust"));
    assert_eq!(
        serde_json::to_value(notes.display).expect("json"),
        json!("side")
    );
    assert_eq!(remote.url.as_deref(), Some("https://example.com/a.pdf"));
    assert_eq!(
        remote.chainlit_key, None,
        "hosted elsewhere: nothing stored"
    );

    // The content is served to the element's session, with its type.
    let session = chat.session_id();
    let key = chart.chainlit_key.clone().expect("stored");
    let got = client
        .get(&format!("/project/file/{key}?session_id={session}"))
        .send()
        .await;
    assert_eq!(got.status().as_u16(), 200, "{}", got.text());
    assert_eq!(got.header("content-type"), Some("image/png"));
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(got.bytes(), PNG);
    let text_key = notes.chainlit_key.clone().expect("stored");
    let got = client
        .get(&format!("/project/file/{text_key}?session_id={session}"))
        .send()
        .await;
    assert_eq!(got.text(), "fn main() {}");
    assert_eq!(got.header("content-type"), Some("text/plain"));

    // Another session, no session, an unknown session, a path for an id: refused.
    let other = client.open_chat().await?;
    let cases = [
        (
            format!("/project/file/{key}?session_id={}", other.session_id()),
            404,
        ),
        (format!("/project/file/{key}"), 401),
        (
            format!("/project/file/{key}?session_id={}", uuid::Uuid::new_v4()),
            401,
        ),
        (
            format!("/project/file/..%2F..%2Fetc%2Fpasswd?session_id={session}"),
            404,
        ),
        (
            format!(
                "/project/file/{}?session_id={session}",
                uuid::Uuid::new_v4()
            ),
            404,
        ),
    ];
    for (path, status) in cases {
        let refused = client.get(&path).send().await;
        assert_eq!(
            refused.status().as_u16(),
            status,
            "{path}: {}",
            refused.text()
        );
        let body: Value = refused.json()?;
        assert!(!detail(&body).is_empty(), "{path}: {body}");
    }
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[tokio::test]
async fn uploads_follow_the_apps_rules_and_reach_on_message_as_elements() -> chainrs::Result<()> {
    let dir = temp_dir("uploads");
    let client = TestClient::new(app(&dir))?;
    let settings: Value = client.get("/project/settings").send().await.json()?;
    assert_eq!(
        settings["features"]["spontaneous_file_upload"],
        json!({"enabled": true, "accept": ["image/*", "text/plain"], "max_files": 20, "max_size_mb": 1})
    );
    let mut chat = client.open_chat().await?;
    let session = chat.session_id();

    let (status, body) = upload(&client, session, "notes.txt", "text/plain", b"hello").await;
    assert_eq!(status, 200, "{body}");
    let notes: uuid::Uuid = serde_json::from_value(body["id"].clone()).expect("an id");
    let (status, body) = upload(&client, session, "chart.png", "image/png", PNG).await;
    assert_eq!(status, 200, "{body}");
    let chart: uuid::Uuid = serde_json::from_value(body["id"].clone()).expect("an id");

    // A file of another session and an id never uploaded are no attachments of this message.
    let other = client.open_chat().await?;
    let (_, body) = upload(
        &client,
        other.session_id(),
        "x.txt",
        "text/plain",
        b"theirs",
    )
    .await;
    let theirs: uuid::Uuid = serde_json::from_value(body["id"].clone()).expect("an id");
    let seen = chat
        .send_with_files(
            "see attached",
            &[notes, chart, theirs, uuid::Uuid::new_v4()],
        )
        .await?;
    assert_eq!(
        seen.replies(),
        [format!(
            "2 file(s)\nnotes.txt File text/plain hello\nchart.png Image image/png {}",
            String::from_utf8_lossy(PNG)
        )]
    );
    let shown = elements(seen.events());
    assert_eq!(
        shown.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        ["notes.txt", "chart.png"],
        "the attachments are shown under the user's message"
    );
    assert!(
        shown
            .iter()
            .all(|e| e.chainlit_key.is_some() && e.for_id.is_some())
    );

    // Refusals, each with Chainlit's status and a detail that says why.
    let (status, body) = upload(&client, session, "a.pdf", "application/pdf", b"%PDF-").await;
    assert_eq!(
        (status, detail(&body).starts_with("File type not allowed")),
        (400, true),
        "{body}"
    );
    let big = vec![b'x'; 1024 * 1024 + 1];
    let (status, body) = upload(&client, session, "big.txt", "text/plain", &big).await;
    assert_eq!(
        (status, detail(&body).starts_with("File size too large")),
        (400, true),
        "{body}"
    );
    let (status, body) = upload(
        &client,
        uuid::Uuid::new_v4().into(),
        "a.txt",
        "text/plain",
        b"x",
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let no_field = client
        .post(&format!("/project/file?session_id={session}"))
        .body("not multipart")
        .header("content-type", "text/plain")
        .send()
        .await;
    assert_eq!(no_field.status().as_u16(), 400, "{}", no_field.text());
    let no_session = client
        .post("/project/file")
        .file("a.txt", "text/plain", b"x".to_vec())
        .send()
        .await;
    assert_eq!(no_session.status().as_u16(), 422, "{}", no_session.text());
    let unknown_parent = client
        .post(&format!(
            "/project/file?session_id={session}&ask_parent_id={}",
            uuid::Uuid::new_v4()
        ))
        .file("a.txt", "text/plain", b"x".to_vec())
        .send()
        .await;
    assert_eq!(unknown_parent.status().as_u16(), 404);
    assert!(
        unknown_parent.text().contains("Parent message not found"),
        "{}",
        unknown_parent.text()
    );

    // An app that takes no spontaneous uploads says so.
    let closed = TestClient::new(App::new().register(show).file_store(DiskStore::new(&dir)))?;
    let closed_chat = closed.open_chat().await?;
    let (status, body) = upload(
        &closed,
        closed_chat.session_id(),
        "a.txt",
        "text/plain",
        b"x",
    )
    .await;
    assert_eq!(
        (
            status,
            detail(&body).starts_with("File upload is not enabled")
        ),
        (400, true),
        "{body}"
    );
    let settings: Value = closed.get("/project/settings").send().await.json()?;
    assert_eq!(
        settings["features"]["spontaneous_file_upload"],
        json!({"enabled": false})
    );
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[tokio::test]
async fn another_users_session_takes_no_upload_and_serves_no_file() -> chainrs::Result<()> {
    let dir = temp_dir("owners");
    let client = TestClient::new(app(&dir).register(name_is_password).auth_secret(SECRET))?;
    let chat = client.open_chat_as(User::new("admin")).await?;
    let session = chat.session_id();
    let (admin, guest) = (
        client.token_for(&User::new("admin"))?,
        client.token_for(&User::new("guest"))?,
    );
    let as_guest = client
        .post(&format!("/project/file?session_id={session}"))
        .bearer(&guest)
        .file("a.txt", "text/plain", b"x".to_vec())
        .send()
        .await;
    assert_eq!(as_guest.status().as_u16(), 401, "{}", as_guest.text());
    assert!(
        as_guest.json::<Value>()?["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not yours"))
    );
    let anonymous = client
        .post(&format!("/project/file?session_id={session}"))
        .file("a.txt", "text/plain", b"x".to_vec())
        .send()
        .await;
    assert_eq!(anonymous.status().as_u16(), 401);
    let as_admin = client
        .post(&format!("/project/file?session_id={session}"))
        .bearer(&admin)
        .file("a.txt", "text/plain", b"mine".to_vec())
        .send()
        .await;
    assert_eq!(as_admin.status().as_u16(), 200, "{}", as_admin.text());
    let id = as_admin.json::<Value>()?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let download = |token: String| {
        let path = format!("/project/file/{id}?session_id={session}");
        let client = &client;
        async move { client.get(&path).bearer(&token).send().await }
    };
    assert_eq!(download(guest.clone()).await.status().as_u16(), 401);
    let mine = download(admin).await;
    assert_eq!(mine.text(), "mine");
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[tokio::test]
async fn the_side_panel_gets_its_title_and_elements() -> chainrs::Result<()> {
    let dir = temp_dir("sidebar");
    let client = TestClient::new(app(&dir))?;
    let mut chat = client.open_chat().await?;
    let seen = chat.send("/sidebar").await?;
    let title = seen.events().iter().find_map(|e| match e {
        ServerEvent::SetSidebarTitle(title) => Some(title.clone()),
        _ => None,
    });
    assert_eq!(title.as_deref(), Some("Sources"));
    let (elements, key) = seen
        .events()
        .iter()
        .find_map(|e| match e {
            ServerEvent::SetSidebarElements { elements, key } => {
                Some((elements.clone(), key.clone()))
            }
            _ => None,
        })
        .expect("set_sidebar_elements");
    assert_eq!(key.as_deref(), Some("sources"));
    assert_eq!(elements.len(), 1);
    let payload = ServerEvent::SetSidebarElements {
        elements: elements.clone(),
        key,
    }
    .payload();
    assert_eq!(payload["elements"][0]["name"], json!("source"), "{payload}");
    let stored = elements[0].chainlit_key.clone().expect("stored");
    let got = client
        .get(&format!(
            "/project/file/{stored}?session_id={}",
            chat.session_id()
        ))
        .send()
        .await;
    assert_eq!(got.text(), "cited text");
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// Waits for the next `ask` the tab receives.
async fn next_ask(
    chat: &mut TestChat,
) -> (chainrs::protocol::StepDict, chainrs::protocol::AskSpec) {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), chat.next_event()).await {
            Ok(Some(ServerEvent::Ask { msg, spec })) => return (msg, spec),
            Ok(Some(_)) => continue,
            other => panic!("no ask came: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_file_ask_is_answered_by_an_upload_under_its_own_rules() -> chainrs::Result<()> {
    let dir = temp_dir("ask-file");
    // The app takes no spontaneous uploads: only the ask's rules let a file in.
    let client = TestClient::new(App::new().register(show).file_store(DiskStore::new(&dir)))?;
    let mut chat = client.open_chat().await?;
    let session = chat.session_id();
    let later = chat.answer_next_ask_later();
    let running = chat.send_later("/ask")?;
    let (msg, spec) = next_ask(&mut chat).await;
    assert_eq!(spec.kind, AskKind::File);
    assert_eq!(spec.step_id, msg.id);
    let wire = serde_json::to_value(&spec).expect("json");
    assert_eq!(
        (
            &wire["accept"],
            &wire["max_size_mb"],
            &wire["max_files"],
            &wire["type"]
        ),
        (&json!(["text/plain"]), &json!(1), &json!(1), &json!("file")),
        "{wire}"
    );
    let parent = msg
        .parent_id
        .expect("the ask nests under the on_message run");
    let post = |name: &str, mime: &str, content: Vec<u8>| {
        let path = format!("/project/file?session_id={session}&ask_parent_id={parent}");
        let request = client.post(&path).file(name, mime, content);
        async move { request.send().await }
    };
    let wrong = post("a.png", "image/png", PNG.to_vec()).await;
    assert_eq!(wrong.status().as_u16(), 400);
    assert!(
        wrong.text().contains("File type not allowed"),
        "{}",
        wrong.text()
    );
    let too_big = post("a.txt", "text/plain", vec![b'x'; 1024 * 1024 + 1]).await;
    assert_eq!(too_big.status().as_u16(), 400);
    assert!(
        too_big.text().contains("File size too large"),
        "{}",
        too_big.text()
    );
    let ok = post("answer.txt", "text/plain", b"forty-two".to_vec()).await;
    assert_eq!(ok.status().as_u16(), 200, "{}", ok.text());
    let id = ok.json::<Value>()?["id"].clone();
    later.answer(Some(json!([{ "id": id }])));
    running.finished().await;
    let seen = chat.received();
    assert_eq!(
        seen.replies().last().map(String::as_str),
        Some("answer.txt: forty-two")
    );

    // Once answered, the ask's rules are gone: the same upload is refused again.
    let after = post("answer.txt", "text/plain", b"again".to_vec()).await;
    assert_eq!(after.status().as_u16(), 404, "{}", after.text());
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[tokio::test]
async fn a_custom_element_changed_by_the_page_is_shown_again_and_removed() -> chainrs::Result<()> {
    let dir = temp_dir("custom");
    let client = TestClient::new(app(&dir))?;
    let mut chat = client.open_chat().await?;
    let seen = chat.send("/custom").await?;
    let sent = elements(seen.events());
    let mut custom = serde_json::to_value(&sent[0]).expect("json");
    assert_eq!(
        (&custom["type"], &custom["props"]),
        (&json!("custom"), &json!({"count": 1}))
    );
    custom["props"]["count"] = json!(2);
    let session = chat.session_id();
    let put = client
        .put("/project/element")
        .json(&json!({ "sessionId": session, "element": custom }))
        .send()
        .await;
    assert_eq!(put.json::<Value>()?, json!({"success": true}));
    let shown = elements(chat.received().events());
    assert_eq!(shown.len(), 1);
    assert_eq!(
        shown[0].props.as_ref().and_then(|p| p.get("count")),
        Some(&json!(2))
    );

    let mut image = custom.clone();
    image["type"] = json!("image");
    let refused = client
        .put("/project/element")
        .json(&json!({ "sessionId": session, "element": image }))
        .send()
        .await;
    assert_eq!(
        refused.json::<Value>()?,
        json!({"success": false}),
        "only custom elements"
    );
    let bad = client
        .put("/project/element")
        .json(&json!({ "sessionId": session, "element": {"id": "nope"} }))
        .send()
        .await;
    assert_eq!(bad.status().as_u16(), 422, "{}", bad.text());

    let deleted = client
        .delete("/project/element")
        .json(&json!({ "sessionId": session, "element": custom }))
        .send()
        .await;
    assert_eq!(deleted.json::<Value>()?, json!({"success": true}));
    let removed: Vec<_> = chat
        .received()
        .events()
        .iter()
        .filter_map(|e| match e {
            ServerEvent::RemoveElement { id } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(removed, [sent[0].id]);
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[tokio::test]
async fn an_ended_sessions_files_are_removed() -> chainrs::Result<()> {
    let dir = temp_dir("ended");
    let client = TestClient::new(app(&dir))?;
    let chat = client.open_chat().await?;
    let session = chat.session_id();
    let (status, body) = upload(&client, session, "a.txt", "text/plain", b"bye").await;
    assert_eq!(status, 200, "{body}");
    let id: uuid::Uuid = serde_json::from_value(body["id"].clone()).expect("an id");
    let store = DiskStore::new(&dir);
    assert!(store.info(session, id).await.expect("read").is_some());
    assert!(dir.join(session.to_string()).is_dir());
    chat.close().await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while dir.join(session.to_string()).exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the session's folder is still there"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(store.info(session, id).await.expect("read").is_none());
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_sessions_an_upload_on_one_instance_is_read_on_another() -> chainrs::Result<()> {
    let store = redis_store("files").await;
    let instance = || {
        App::new()
            .register(show)
            .redis_store(store.clone())
            .file_upload(FileUpload::new().max_size_mb(1))
    };
    let (a, b) = (TestClient::new(instance())?, TestClient::new(instance())?);
    let chat = a.open_chat().await?;
    let session = chat.session_id();
    let (status, body) = upload(
        &a,
        session,
        "shared.txt",
        "text/plain",
        b"on every instance",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id: uuid::Uuid = serde_json::from_value(body["id"].clone()).expect("an id");
    let got = b
        .get(&format!("/project/file/{id}?session_id={session}"))
        .send()
        .await;
    assert_eq!(
        got.text(),
        "on every instance",
        "read on the other instance"
    );
    drop(chat);
    // The tab moves to the other instance; its message's attachment resolves there.
    let mut moved = b.reconnect_chat(session, None).await?;
    let seen = moved.send_with_files("here", &[id]).await?;
    assert_eq!(
        seen.replies(),
        ["1 file(s)\nshared.txt File text/plain on every instance"]
    );
    moved.close().await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let files = chainrs::files::RedisFileStore::new(&store);
    assert!(files.info(session, id).await.is_ok(), "the store answers");
    while files.info(session, id).await.ok().flatten().is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the ended session's file is still in Redis"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    clean(store.prefix()).await;
    Ok(())
}

#[tokio::test]
async fn a_message_attaching_more_files_than_the_app_takes_is_refused() -> chainrs::Result<()> {
    let dir = temp_dir("attach-limit");
    let client = TestClient::new(
        App::new()
            .register(show)
            .file_store(DiskStore::new(&dir))
            .file_upload(FileUpload::new().max_files(2)),
    )?;
    let mut chat = client.open_chat().await?;
    let mut ids = Vec::new();
    for name in ["a.txt", "b.txt", "c.txt"] {
        let (status, body) = upload(&client, chat.session_id(), name, "text/plain", b"x").await;
        assert_eq!(status, 200, "{body}");
        ids.push(serde_json::from_value::<uuid::Uuid>(body["id"].clone()).expect("an id"));
    }
    let refused = chat.send_with_files("three", &ids).await;
    let err = refused.expect_err("over max_files");
    assert!(
        err.to_string()
            .contains("attaches 3 files, over this app's limit of 2"),
        "{err}"
    );
    let two = chat.send_with_files("two", &ids[..2]).await?;
    assert!(
        two.replies()[0].starts_with("2 file(s)"),
        "{:?}",
        two.replies()
    );

    let closed = TestClient::new(App::new().register(show).file_store(DiskStore::new(&dir)))?;
    let mut closed_chat = closed.open_chat().await?;
    let err = closed_chat
        .send_with_files("sneaky", &[uuid::Uuid::new_v4()])
        .await
        .expect_err("no attachments without App::file_upload");
    assert!(err.to_string().contains("takes none"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn an_expired_sessions_files_are_removed_by_the_sweep() -> chainrs::Result<()> {
    let dir = temp_dir("expired");
    let client = TestClient::new(app(&dir).session_timeout(Duration::from_secs(60)))?;
    let chat = client.open_chat().await?;
    let session = chat.session_id();
    let (status, body) = upload(&client, session, "a.txt", "text/plain", b"soon gone").await;
    assert_eq!(status, 200, "{body}");
    assert!(dir.join(session.to_string()).is_dir());
    drop(chat);
    tokio::time::sleep(Duration::from_secs(61)).await;
    client.sweep().await?;
    for _ in 0..500 {
        if !dir.join(session.to_string()).exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !dir.join(session.to_string()).exists(),
        "the expired session's folder is still there"
    );
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// Elements of each kind, with their content from a path and their kind's fields.
#[on_message]
async fn kinds(_msg: Message) -> chainrs::Result<()> {
    let pdf = std::env::temp_dir().join(format!("chainrs-kinds-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&pdf, b"%PDF-1.7 tiny")?;
    Message::new("kinds")
        .with_element(Element::pdf("").path(&pdf).page(3).display(Display::Page))
        .with_element(
            Element::audio("beep")
                .bytes(&b"ID3beep"[..])
                .auto_play(true),
        )
        .with_element(
            Element::video("clip")
                .url("https://example.com/v.mp4")
                .player_config(json!({"youtube": {}})),
        )
        .with_element(Element::dataframe(
            "table",
            ["a", "b"],
            [vec![json!(1), json!("x")]],
        ))
        .with_element(Element::plotly("plot", json!({"data": [], "layout": {}})))
        .send()
        .await?;
    std::fs::remove_file(pdf)?;
    Ok(())
}

#[tokio::test]
async fn every_kind_carries_its_fields_and_content() -> chainrs::Result<()> {
    let dir = temp_dir("kinds");
    let client = TestClient::new(App::new().register(kinds).file_store(DiskStore::new(&dir)))?;
    let mut chat = client.open_chat().await?;
    let seen = chat.send("go").await?;
    let sent: Vec<Value> = elements(seen.events())
        .iter()
        .map(|e| serde_json::to_value(e).expect("json"))
        .collect();
    assert_eq!(sent.len(), 5);
    let (pdf, audio, video, table, plot) = (&sent[0], &sent[1], &sent[2], &sent[3], &sent[4]);
    assert!(
        pdf["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("chainrs-kinds-") && n.ends_with(".pdf")),
        "named after the path: {pdf}"
    );
    assert_eq!(
        (&pdf["type"], &pdf["page"], &pdf["display"], &pdf["mime"]),
        (
            &json!("pdf"),
            &json!(3),
            &json!("page"),
            &json!("application/pdf")
        )
    );
    assert_eq!(
        (&audio["autoPlay"], &audio["mime"]),
        (&json!(true), &json!("audio/mpeg"))
    );
    assert_eq!(
        (&video["url"], &video["playerConfig"], &video["size"]),
        (
            &json!("https://example.com/v.mp4"),
            &json!({"youtube": {}}),
            &json!("medium")
        )
    );
    assert_eq!(
        (&table["type"], &table["size"]),
        (&json!("dataframe"), &json!("large"))
    );
    assert_eq!(plot["type"], json!("plotly"));
    let session = chat.session_id();
    let fetch = |element: &Value| {
        let key = element["chainlitKey"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let path = format!("/project/file/{key}?session_id={session}");
        let request = client.get(&path);
        async move { request.send().await }
    };
    assert_eq!(
        fetch(pdf).await.bytes(),
        b"%PDF-1.7 tiny",
        "read from the path when sent"
    );
    let rows: Value = fetch(table).await.json()?;
    assert_eq!(
        rows,
        json!({"columns": ["a", "b"], "index": [0], "data": [[1, "x"]]})
    );
    let figure = fetch(plot).await;
    assert_eq!(figure.header("content-type"), Some("application/json"));
    assert_eq!(figure.json::<Value>()?, json!({"data": [], "layout": {}}));
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
