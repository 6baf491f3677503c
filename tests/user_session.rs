//! `UserSession<S>`: snapshots, atomic updates under heavy concurrency, independent keys, and
//! no resurrection by a write. The store contract itself is in `stores.rs`, on both backends.

use chainrs::prelude::*;
use chainrs::testing::TestClient;

#[derive(SessionState, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Counter {
    n: u64,
}

#[derive(SessionState, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Notes {
    items: Vec<String>,
}

#[endpoint(http, method = "POST", path = "/bump")]
async fn bump(counter: UserSession<Counter>) -> chainrs::Result<Json<u64>> {
    Ok(Json(
        counter
            .update(|c| {
                c.n += 1;
                c.n
            })
            .await?,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_updates_are_all_kept() -> chainrs::Result<()> {
    let client = TestClient::new(App::new())?;
    let chat = client.open_chat().await?;
    let counter = chat.user_session::<Counter>();
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let counter = counter.clone();
            tokio::spawn(async move {
                counter
                    .update(|c| {
                        c.n += 1;
                    })
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await
            .map_err(|e| chainrs::Error::handler(e.to_string()))??;
    }
    assert_eq!(counter.get().await?, Counter { n: 1000 });
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_endpoint_calls_on_one_session_lose_nothing() -> chainrs::Result<()> {
    let client = std::sync::Arc::new(TestClient::new(App::new().register(bump))?);
    let first = client.post("/bump").send().await;
    let id = first
        .session_id()
        .ok_or_else(|| chainrs::Error::handler("no session id"))?;
    let tasks: Vec<_> = (0..499)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.post("/bump").session(id).send().await.status() })
        })
        .collect();
    for task in tasks {
        let status = task
            .await
            .map_err(|e| chainrs::Error::handler(e.to_string()))?;
        assert_eq!(status, StatusCode::OK);
    }
    let last = client
        .post("/bump")
        .session(id)
        .send()
        .await
        .json::<u64>()?;
    assert_eq!(last, 501);
    Ok(())
}

#[tokio::test]
async fn get_set_clear_and_independent_keys() -> chainrs::Result<()> {
    let client = TestClient::new(App::new())?;
    let chat = client.open_chat().await?;
    let counter = chat.user_session::<Counter>();
    let notes = chat.user_session::<Notes>();
    assert_eq!(
        counter.get().await?,
        Counter::default(),
        "never written reads the default"
    );
    counter.set(Counter { n: 7 }).await?;
    let len = notes
        .update(|n| {
            n.items.push("a".into());
            n.items.len()
        })
        .await?;
    assert_eq!(len, 1);
    assert_eq!(
        counter.get().await?.n,
        7,
        "another type's write leaves this key alone"
    );
    counter.clear().await?;
    assert_eq!(counter.get().await?, Counter::default());
    assert_eq!(notes.get().await?.items, ["a"]);
    // Another session sees none of it.
    let other = client.open_chat().await?;
    assert_eq!(other.user_session::<Notes>().get().await?, Notes::default());
    Ok(())
}

#[tokio::test]
async fn a_deleted_session_is_never_resurrected_by_a_write() -> chainrs::Result<()> {
    let client = TestClient::new(App::new())?;
    let chat = client.open_chat().await?;
    let counter = chat.user_session::<Counter>();
    counter.set(Counter { n: 1 }).await?;
    chat.close().await?;
    let err = counter.update(|c| c.n += 1).await.err();
    assert!(
        matches!(err, Some(chainrs::Error::SessionNotFound(_))),
        "{err:?}"
    );
    assert_eq!(client.stats().stored, Some(0));
    Ok(())
}

/// The same state type before and after a refactor moved it: the key is its name, not its path.
mod before {
    use chainrs::prelude::*;

    #[derive(SessionState, Debug, Default, PartialEq, Serialize, Deserialize)]
    pub struct Profile {
        pub name: String,
    }
}

mod after {
    pub mod moved {
        use chainrs::prelude::*;

        #[derive(SessionState, Debug, Default, PartialEq, Serialize, Deserialize)]
        pub struct Profile {
            pub name: String,
        }

        /// Renamed, keeping the data of the old name.
        #[derive(SessionState, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[session(key = "Profile")]
        pub struct UserProfile {
            pub name: String,
        }
    }
}

#[tokio::test]
async fn state_keys_survive_moving_and_renaming_the_type() -> chainrs::Result<()> {
    assert_eq!(UserSession::<before::Profile>::key(), "state:Profile");
    assert_eq!(
        UserSession::<after::moved::Profile>::key(),
        UserSession::<before::Profile>::key()
    );
    let client = TestClient::new(App::new())?;
    let chat = client.open_chat().await?;
    chat.user_session::<before::Profile>()
        .set(before::Profile { name: "ada".into() })
        .await?;
    assert_eq!(
        chat.user_session::<after::moved::Profile>()
            .get()
            .await?
            .name,
        "ada"
    );
    assert_eq!(
        chat.user_session::<after::moved::UserProfile>()
            .get()
            .await?
            .name,
        "ada"
    );
    Ok(())
}

/// `Counter` grew a field that has no default: old values no longer decode.
#[derive(SessionState, Debug, Default, Serialize, Deserialize)]
#[session(key = "Counter")]
struct CounterWithLabel {
    n: u64,
    label: String,
}

/// The same new field, declared the way the docs say.
#[derive(SessionState, Debug, Default, Serialize, Deserialize)]
#[session(key = "Counter")]
struct CounterWithDefaultLabel {
    n: u64,
    #[serde(default)]
    label: String,
}

#[tokio::test]
async fn a_stored_value_of_an_older_shape_is_a_named_error_and_is_kept() -> chainrs::Result<()> {
    let client = TestClient::new(App::new())?;
    let chat = client.open_chat().await?;
    chat.user_session::<Counter>().set(Counter { n: 7 }).await?;

    let newer = chat.user_session::<CounterWithLabel>();
    for err in [
        newer.get().await.err(),
        newer.update(|c| c.n += 1).await.err(),
    ] {
        match err {
            Some(err @ chainrs::Error::Decode { .. }) => {
                let text = err.to_string();
                assert!(text.contains("`state:Counter`"), "{text}");
                assert!(text.contains("CounterWithLabel"), "{text}");
                assert!(text.contains("missing field `label`"), "{text}");
                assert!(text.contains("#[serde(default)]"), "{text}");
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
    assert_eq!(
        chat.user_session::<Counter>().get().await?,
        Counter { n: 7 },
        "a failed read or update changes nothing"
    );

    let evolved = chat.user_session::<CounterWithDefaultLabel>().get().await?;
    assert_eq!((evolved.n, evolved.label.as_str()), (7, ""));
    Ok(())
}

mod clash {
    use chainrs::prelude::*;

    /// Another crate's idea of a `Counter`.
    #[derive(SessionState, Default, Serialize, Deserialize)]
    pub struct Counter {
        pub total: i64,
    }

    #[endpoint(http, method = "GET", path = "/total")]
    pub async fn total(counter: UserSession<Counter>) -> chainrs::Result<Json<i64>> {
        Ok(Json(counter.get().await?.total))
    }
}

#[test]
fn two_state_types_with_one_key_fail_the_build_naming_both() {
    let err = match TestClient::new(App::new().register(bump).register(clash::total)) {
        Ok(_) => panic!("two types under the key \"Counter\" were accepted"),
        Err(err) => err.to_string(),
    };
    assert!(err.contains("share the key \"Counter\""), "{err}");
    assert!(err.contains("user_session::Counter"), "{err}");
    assert!(err.contains("user_session::clash::Counter"), "{err}");
    assert!(err.contains("`bump`") && err.contains("`total`"), "{err}");
    assert!(err.contains("#[session(key"), "{err}");
    // The same type taken by several handlers is fine.
    assert!(TestClient::new(App::new().register(bump).register(bump_again)).is_ok());
}

#[endpoint(http, method = "POST", path = "/bump-again")]
async fn bump_again(counter: UserSession<Counter>) -> chainrs::Result<Json<u64>> {
    bump::call(counter).await
}
