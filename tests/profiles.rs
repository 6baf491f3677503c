//! `#[set_chat_profiles]`: the profiles are the callback's, per caller, in
//! `GET /project/settings` (`chatProfiles`, Chainlit's fields); a new chat runs with the
//! profile its client names (else the default, else the first), which reaches its hooks as
//! `ChatProfile` and through `Session`; a name the app does not offer the user is refused; a
//! thread keeps its profile (metadata and tag) and a resume gets it back.

use std::sync::Arc;

use chainrs::data::{DataLayer, SqliteDataLayer};
use chainrs::prelude::*;
use chainrs::testing::TestClient;
use chainrs_tests::{assert_refused_twice, name_is_password, project_settings};
use serde_json::json;

#[set_chat_profiles]
async fn profiles(user: Option<User>) -> Vec<ChatProfile> {
    let mut offered = vec![
        ChatProfile::new("Echo", "Says it **back**").icon("/public/echo.svg"),
        ChatProfile::new("Quiet", "Listens")
            .default_profile()
            .starter(Starter::new("Say hi", "hello")),
    ];
    if user.is_some_and(|u| u.identifier == "ada") {
        offered.push(ChatProfile::new("Admin", "For ada only").display_name("Ada's"));
    }
    offered
}

#[set_chat_profiles]
async fn broken(_user: Option<User>) -> Vec<ChatProfile> {
    panic!("no profiles today")
}

#[on_chat_start]
async fn start(profile: ChatProfile, session: Session) -> chainrs::Result<()> {
    Message::new(format!(
        "{} ({:?} in the session)",
        profile.name,
        session.chat_profile()
    ))
    .send()
    .await?;
    Ok(())
}

#[on_message]
async fn reply(msg: Message, profile: Option<ChatProfile>) -> chainrs::Result<()> {
    let name = profile.map_or_else(|| "none".to_owned(), |p| p.name);
    Message::new(format!("{name}: {}", msg.content))
        .send()
        .await?;
    Ok(())
}

#[on_chat_resume]
async fn resumed(profile: ChatProfile) -> chainrs::Result<()> {
    Message::new(format!("back with {}", profile.name))
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn profiles_come_from_the_callback_for_each_caller() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(name_is_password).register(profiles))?;
    let anyone = json!([
        {"name": "Echo", "markdown_description": "Says it **back**", "icon": "/public/echo.svg", "default": false},
        {"name": "Quiet", "markdown_description": "Listens", "default": true,
         "starters": [{"label": "Say hi", "message": "hello"}]}
    ]);
    assert_eq!(
        project_settings(&client, None).await["chatProfiles"],
        anyone
    );
    let ada = client.login("ada", "ada").await?;
    let for_ada = project_settings(&client, Some(&ada)).await["chatProfiles"].clone();
    assert_eq!(for_ada.as_array().map(Vec::len), Some(3));
    assert_eq!(
        for_ada[2],
        json!({"name": "Admin", "markdown_description": "For ada only", "display_name": "Ada's", "default": false})
    );
    let plain = TestClient::new(App::new())?;
    assert_eq!(
        project_settings(&plain, None).await["chatProfiles"],
        json!([])
    );
    Ok(())
}

#[tokio::test]
async fn a_chat_runs_with_the_profile_it_names_else_the_default() -> chainrs::Result<()> {
    let client = TestClient::new(
        App::new()
            .register(profiles)
            .register(start)
            .register(reply),
    )?;
    let mut quiet = client.open_chat().await?;
    assert_eq!(
        quiet.received().replies(),
        ["Quiet (Some(\"Quiet\") in the session)"],
        "no name: the default profile"
    );
    assert_eq!(quiet.session().chat_profile(), Some("Quiet"));
    assert_eq!(
        quiet.session().profile().map(|p| p.starters.len()),
        Some(1),
        "the whole profile, as offered"
    );
    assert_eq!(quiet.send("hi").await?.replies(), ["Quiet: hi"]);

    let mut echo = client.open_chat_with_profile(None, "Echo").await?;
    assert_eq!(
        echo.received().replies(),
        ["Echo (Some(\"Echo\") in the session)"]
    );
    assert_eq!(echo.send("hi").await?.replies(), ["Echo: hi"]);
    Ok(())
}

/// An app with logins, the profiles and the greeting that names the profile.
fn with_logins() -> chainrs::Result<TestClient> {
    TestClient::new(
        App::new()
            .register(name_is_password)
            .register(profiles)
            .register(start),
    )
}

#[tokio::test]
async fn a_chat_made_without_a_tab_runs_with_the_default_profile() -> chainrs::Result<()> {
    let client = with_logins()?;
    let ada = client.login("ada", "ada").await?;
    // The headless API's chat: its session comes from an HTTP request, which names no profile.
    let started = client.post("/chat/start").bearer(&ada.token).send().await;
    assert_eq!(started.status(), StatusCode::OK, "{}", started.text());
    let body: serde_json::Value = started.json()?;
    assert_eq!(
        body["messages"][0]["content"],
        "Quiet (Some(\"Quiet\") in the session)"
    );
    Ok(())
}

#[tokio::test]
async fn a_profile_not_offered_to_the_user_is_refused() -> chainrs::Result<()> {
    let client = with_logins()?;
    let refused = client
        .open_chat_with_profile(Some(User::new("bob")), "Admin")
        .await
        .err()
        .expect("Admin is ada's only");
    let text = refused.to_string();
    assert!(
        matches!(refused, chainrs::Error::BadRequest(_))
            && text.contains("\"Admin\"")
            && text.contains("\"Echo\", \"Quiet\""),
        "{text}"
    );
    let mut ada = client
        .open_chat_with_profile(Some(User::new("ada")), "Admin")
        .await?;
    assert_eq!(
        ada.received().replies(),
        ["Admin (Some(\"Admin\") in the session)"]
    );
    Ok(())
}

#[tokio::test]
async fn without_profiles_a_hook_that_needs_one_says_what_to_do() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(start).register(reply))?;
    let mut chat = client.open_chat().await?;
    let opened = chat.received();
    assert!(opened.replies().is_empty(), "{:?}", opened.names());
    let said = format!("{:?}", opened.events());
    assert!(
        said.contains("#[set_chat_profiles]") && said.contains("Option<ChatProfile>"),
        "the chat is told why on_chat_start did not run: {said}"
    );
    assert_eq!(chat.session().chat_profile(), None);
    assert_eq!(
        chat.send("hi").await?.replies(),
        ["none: hi"],
        "Option<ChatProfile> is None"
    );

    let failing = TestClient::new(App::new().register(broken).register(reply))?;
    let mut chat = failing.open_chat().await?;
    assert_eq!(
        chat.send("hi").await?.replies(),
        ["none: hi"],
        "a callback that fails offers none: the chat runs without"
    );
    assert_eq!(
        project_settings(&failing, None).await["chatProfiles"],
        json!([])
    );
    Ok(())
}

#[tokio::test]
async fn a_thread_keeps_its_profile_and_a_resume_gets_it_back() -> chainrs::Result<()> {
    let layer = Arc::new(SqliteDataLayer::connect("sqlite::memory:").await?);
    let client = TestClient::new(
        App::new()
            .register(name_is_password)
            .register(profiles)
            .register(start)
            .register(reply)
            .register(resumed)
            .data_layer(layer.clone()),
    )?;
    let ada = User::new("ada");
    let mut chat = client
        .open_chat_with_profile(Some(ada.clone()), "Echo")
        .await?;
    let thread = chat.session().thread_id();
    chat.send("one").await?;
    chat.close().await?;
    assert!(client.flush_writes().await);
    let kept = layer
        .get_thread(thread)
        .await
        .map_err(chainrs::Error::Store)?
        .expect("the thread is kept");
    assert_eq!(kept.metadata["chat_profile"], "Echo");
    assert_eq!(
        kept.tags.as_deref(),
        Some(&["Echo".to_owned()][..]),
        "tagged with its profile"
    );

    // The page's default would be Quiet; the thread's own profile wins.
    let mut back = client.resume_chat_as(ada, thread).await?;
    assert_eq!(back.received().replies(), ["back with Echo"]);
    assert_eq!(back.send("two").await?.replies(), ["Echo: two"]);
    Ok(())
}

#[test]
fn a_second_callback_is_refused_at_build_naming_both() {
    assert_refused_twice(
        App::new().register(profiles).register(broken),
        "#[set_chat_profiles]",
        "profiles",
        "broken",
    );
}
