//! `#[set_starters]` and `#[set_starter_categories]`: the suggested first messages are the
//! callbacks', per caller, in `GET /project/settings` with Chainlit's fields; a failing callback
//! shows none and the page still loads.

use chainrs::prelude::*;
use chainrs::testing::TestClient;
use chainrs_tests::name_is_password;
use serde_json::{Value, json};

#[set_starters]
async fn starters(user: Option<User>) -> Vec<Starter> {
    let mut offered = vec![Starter::new("Say hi", "hello").icon("/public/wave.svg")];
    if let Some(user) = user {
        offered.push(
            Starter::new(format!("Backwards, {}", user.identifier), "abc").command("reverse"),
        );
    }
    offered
}

#[set_starters]
async fn broken(_user: Option<User>) -> Vec<Starter> {
    panic!("the starters could not be made")
}

#[set_starter_categories]
async fn groups(user: Option<User>) -> Vec<StarterCategory> {
    let who = user.map_or_else(|| "anyone".to_owned(), |u| u.identifier);
    vec![
        StarterCategory::new("Write")
            .icon("/public/pen.svg")
            .starter(Starter::new("A poem", format!("a poem for {who}"))),
    ]
}

async fn settings_of(client: &TestClient, login: Option<&chainrs::testing::Login>) -> Value {
    let request = client.get("/project/settings");
    let request = match login {
        Some(login) => request.login(login),
        None => request,
    };
    let response = request.send().await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().expect("json")
}

async fn starters_of(client: &TestClient, login: Option<&chainrs::testing::Login>) -> Value {
    settings_of(client, login).await["starters"].clone()
}

#[tokio::test]
async fn starters_come_from_the_callback_for_each_caller() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(name_is_password).register(starters))?;
    assert_eq!(
        starters_of(&client, None).await,
        json!([{"label": "Say hi", "message": "hello", "icon": "/public/wave.svg"}]),
        "before a login the callback gets no user"
    );
    let ada = client.login("ada", "ada").await?;
    assert_eq!(
        starters_of(&client, Some(&ada)).await,
        json!([
            {"label": "Say hi", "message": "hello", "icon": "/public/wave.svg"},
            {"label": "Backwards, ada", "message": "abc", "command": "reverse"}
        ])
    );
    Ok(())
}

#[tokio::test]
async fn categories_come_from_their_callback_for_each_caller() -> chainrs::Result<()> {
    let client = TestClient::new(
        App::new()
            .register(name_is_password)
            .register(starters)
            .register(groups),
    )?;
    let ada = client.login("ada", "ada").await?;
    let settings = settings_of(&client, Some(&ada)).await;
    assert_eq!(
        settings["starterCategories"],
        json!([{"label": "Write", "icon": "/public/pen.svg",
                "starters": [{"label": "A poem", "message": "a poem for ada"}]}])
    );
    assert_eq!(
        settings["starters"].as_array().map(Vec::len),
        Some(2),
        "beside the plain starters"
    );
    assert_eq!(
        settings_of(&client, None).await["starterCategories"][0]["starters"][0]["message"],
        "a poem for anyone"
    );
    let plain = TestClient::new(App::new())?;
    assert_eq!(
        settings_of(&plain, None).await["starterCategories"],
        json!([])
    );
    Ok(())
}

#[tokio::test]
async fn without_a_callback_or_when_it_fails_there_are_none() -> chainrs::Result<()> {
    let plain = TestClient::new(App::new())?;
    assert_eq!(starters_of(&plain, None).await, json!([]));
    let failing = TestClient::new(App::new().register(broken))?;
    assert_eq!(starters_of(&failing, None).await, json!([]));
    Ok(())
}

#[test]
fn a_second_callback_is_refused_at_build_naming_both() {
    let err = TestClient::new(App::new().register(starters).register(broken))
        .err()
        .expect("two #[set_starters]");
    let text = err.to_string();
    assert!(
        text.contains("#[set_starters]")
            && text.contains("`starters`")
            && text.contains("`broken`"),
        "{text}"
    );
}
