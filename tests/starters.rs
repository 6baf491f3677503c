//! `#[set_starters]` and `#[set_starter_categories]`: the suggested first messages are the
//! callbacks', per caller (the categories also per chat profile), in `GET /project/settings` with Chainlit's fields; a failing callback
//! shows none and the page still loads.

use chainrs::prelude::*;
use chainrs::testing::TestClient;
use chainrs_tests::{assert_refused_twice, name_is_password, project_settings};
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
async fn groups(user: Option<User>, profile: Option<ChatProfile>) -> Vec<StarterCategory> {
    let who = user.map_or_else(|| "anyone".to_owned(), |u| u.identifier);
    let mut offered = vec![
        StarterCategory::new("Write")
            .icon("/public/pen.svg")
            .starter(Starter::new("A poem", format!("a poem for {who}"))),
    ];
    if let Some(profile) = profile {
        offered.push(StarterCategory::new(format!("With {}", profile.name)));
    }
    offered
}

#[set_chat_profiles]
async fn profiles(_user: Option<User>) -> Vec<ChatProfile> {
    vec![
        ChatProfile::new("Plain", ""),
        ChatProfile::new("Poet", "").default_profile(),
    ]
}

async fn starters_of(client: &TestClient, login: Option<&chainrs::testing::Login>) -> Value {
    project_settings(client, login).await["starters"].clone()
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
    let settings = project_settings(&client, Some(&ada)).await;
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
        project_settings(&client, None).await["starterCategories"][0]["starters"][0]["message"],
        "a poem for anyone"
    );
    let plain = TestClient::new(App::new())?;
    assert_eq!(
        project_settings(&plain, None).await["starterCategories"],
        json!([])
    );
    Ok(())
}

#[tokio::test]
async fn categories_are_the_ones_for_the_profile_the_page_picked() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(groups).register(profiles))?;
    let labels = |settings: Value| -> Vec<String> {
        settings["starterCategories"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|g| g["label"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let get = |path: &'static str| {
        let client = &client;
        async move {
            let response = client.get(path).send().await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            response.json::<Value>().expect("json")
        }
    };
    assert_eq!(
        labels(get("/project/settings?chat_profile=Plain").await),
        ["Write", "With Plain"]
    );
    assert_eq!(
        labels(get("/project/settings?language=en-US").await),
        ["Write", "With Poet"],
        "no profile named: the one a new chat gets (the default)"
    );
    assert_eq!(
        labels(get("/project/settings?chat_profile=Nobody").await),
        ["Write"],
        "a profile not offered: none"
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
    assert_refused_twice(
        App::new().register(starters).register(broken),
        "#[set_starters]",
        "starters",
        "broken",
    );
}
