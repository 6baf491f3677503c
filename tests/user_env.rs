//! Required user-env keys (Chainlit's `user_env`): listed for the UI, and a handshake without
//! one is refused with its name; handlers read the values from `Session::env`.

use chainrs::prelude::*;
use chainrs_tests::{Served, socket_connect};
use serde_json::{Value, json};

#[on_message]
async fn echo(msg: Message) -> chainrs::Result<()> {
    Message::new(msg.content).send().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handshake_without_a_required_key_is_refused_naming_it() -> chainrs::Result<()> {
    let served = Served::start(App::new().register(echo).user_env(["OPENAI_KEY"])).await?;
    let base = served.base();
    let settings: Value = reqwest::get(format!("{base}/project/settings"))
        .await
        .expect("settings")
        .json()
        .await
        .expect("json");
    assert_eq!(settings["userEnv"], json!(["OPENAI_KEY"]));
    let connect = |env: &str| json!({ "sessionId": uuid::Uuid::new_v4(), "userEnv": env });
    for env in ["{}", "{\"OPENAI_KEY\":\"\"}", "{\"OTHER\":\"x\"}"] {
        let answer = socket_connect(&base, &[], &connect(env)).await;
        assert!(
            answer.starts_with("44") && answer.contains("OPENAI_KEY"),
            "{env}: {answer}"
        );
    }
    let answer = socket_connect(&base, &[], &connect("{\"OPENAI_KEY\":\"sk-1\"}")).await;
    assert!(answer.starts_with("40"), "{answer}");
    served.stop().await
}
