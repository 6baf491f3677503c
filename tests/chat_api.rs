//! The chat API beyond plain messages, through the in-process test client: nested steps,
//! asks (text and action) with their timeouts, action callbacks, toasts, window messages and
//! chat settings.

use std::time::Duration;

use chainrs::prelude::*;
use std::sync::Arc;

use chainrs::protocol::{AskKind, ServerEvent, StepType};
use chainrs::session::{MemoryStore, SessionStore};
use chainrs::testing::TestClient;
use serde_json::json;

#[on_message]
async fn research(msg: Message) -> chainrs::Result<()> {
    let search = Step::tool("search")
        .input(msg.content.clone())
        .start()
        .await?;
    let summary = search
        .within(
            Step::llm("summarize")
                .input("3 hits")
                .run(async { Ok::<_, chainrs::Error>("short") }),
        )
        .await?;
    search.finish("3 hits").await?;
    let failed = Step::tool("flaky")
        .run(async { Err::<String, _>(chainrs::Error::handler("timed out")) })
        .await;
    assert!(failed.is_err());
    Message::new(format!("summary: {summary}")).send().await?;
    Ok(())
}

#[tokio::test]
async fn steps_nest_under_the_run_step_and_each_other() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(research))?;
    let mut chat = client.open_chat().await?;
    let transcript = chat.send("rust").await?;
    let steps: Vec<_> = transcript
        .events()
        .iter()
        .filter_map(|e| match e {
            ServerEvent::NewMessage(s) | ServerEvent::UpdateMessage(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let run = steps
        .iter()
        .find(|s| s.name == "on_message")
        .expect("run step");
    let search = steps
        .iter()
        .rfind(|s| s.name == "search")
        .expect("search step");
    let summarize = steps
        .iter()
        .rfind(|s| s.name == "summarize")
        .expect("summarize step");
    let flaky = steps.iter().rfind(|s| s.name == "flaky").expect("flaky");
    assert_eq!(search.step_type, StepType::Tool);
    assert_eq!(search.parent_id, Some(run.id));
    assert_eq!(
        (search.input.as_str(), search.output.as_str()),
        ("rust", "3 hits")
    );
    assert!(search.end.is_some());
    assert_eq!(summarize.step_type, StepType::Llm);
    assert_eq!(summarize.parent_id, Some(search.id));
    assert_eq!(summarize.output, "short");
    assert!(flaky.is_error, "a failed step is marked as an error");
    assert_eq!(flaky.output, "timed out");
    assert_eq!(transcript.replies(), ["summary: short"]);
    Ok(())
}

#[on_message]
async fn quiz(msg: Message) -> chainrs::Result<()> {
    if msg.content == "name" {
        let reply = match AskUserMessage::new("Your name?")
            .timeout(Duration::from_secs(5))
            .send()
            .await?
        {
            Some(answer) => format!("hi {}", answer.content),
            None => "no answer".to_owned(),
        };
        Message::new(reply).send().await?;
    } else {
        let options = vec![
            Action::new("yes", "Yes", json!({ "v": 1 })),
            Action::new("no", "No", json!({ "v": 0 })),
        ];
        let reply = match AskActionMessage::new("Sure?", options).send().await? {
            Some(action) => format!("chose {} {}", action.name, action.payload["v"]),
            None => "no choice".to_owned(),
        };
        Message::new(reply).send().await?;
    }
    Ok(())
}

#[tokio::test]
async fn asks_wait_for_the_answer_or_time_out() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(quiz))?;
    let mut chat = client.open_chat().await?;

    chat.answer_next_ask(Some(json!({ "output": "Ada", "type": "user_message" })));
    let answered = chat.send("name").await?;
    let ask = answered
        .events()
        .iter()
        .find_map(|e| match e {
            ServerEvent::Ask { msg, spec } => Some((msg.clone(), spec.clone())),
            _ => None,
        })
        .expect("an ask event");
    assert_eq!(ask.0.output, "Your name?");
    assert!(ask.0.wait_for_answer);
    assert_eq!(
        (ask.1.kind, ask.1.step_id, ask.1.timeout),
        (AskKind::Text, ask.0.id, 5)
    );
    assert!(answered.replies().contains(&"hi Ada".to_owned()));

    chat.answer_next_ask(None);
    let timed_out = chat.send("name").await?;
    assert!(timed_out.names().contains(&"ask_timeout"));
    assert!(timed_out.replies().contains(&"no answer".to_owned()));
    Ok(())
}

#[tokio::test]
async fn action_asks_offer_buttons_and_return_the_clicked_one() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(quiz))?;
    let mut chat = client.open_chat().await?;
    // The test cannot see the buttons before answering, so it answers with a forged id first:
    // that is refused as not one of the offered actions.
    chat.answer_next_ask(Some(json!({ "id": uuid::Uuid::new_v4(), "name": "yes" })));
    let forged = chat.send("choose").await?;
    assert!(
        forged
            .errors()
            .iter()
            .any(|e| e.contains("one of the offered actions")),
        "{:?}",
        forged.errors()
    );
    let offered: Vec<Action> = forged
        .events()
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Action(a) => Some(a.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(offered.len(), 2);
    let ask_id = forged
        .events()
        .iter()
        .find_map(|e| match e {
            ServerEvent::Ask { msg, spec } => {
                assert_eq!(spec.kind, AskKind::Action);
                assert_eq!(
                    spec.keys,
                    offered.iter().map(|a| a.id.clone()).collect::<Vec<_>>()
                );
                Some(msg.id)
            }
            _ => None,
        })
        .expect("an ask");
    assert!(offered.iter().all(|a| a.for_id == Some(ask_id)));
    assert_eq!(
        forged
            .names()
            .iter()
            .filter(|n| **n == "remove_action")
            .count(),
        2,
        "the buttons go away once the ask is over"
    );
    Ok(())
}

#[on_message]
async fn offer(_msg: Message) -> chainrs::Result<()> {
    Message::new("pick")
        .with_action(Action::new("approve", "Approve", json!({ "order": 7 })))
        .send()
        .await?;
    Ok(())
}

#[action_callback("approve")]
async fn approve(action: Action, session: Session) -> chainrs::Result<()> {
    chainrs::toast(
        format!("approved order {}", action.payload["order"]),
        ToastKind::Success,
    )
    .await?;
    Message::new(format!("approved in {}", session.client_type()))
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn action_buttons_run_their_callback_in_the_chat() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(offer).register(approve))?;
    let mut chat = client.open_chat().await?;
    let sent = chat.send("go").await?;
    let action = sent
        .events()
        .iter()
        .find_map(|e| match e {
            ServerEvent::Action(a) => Some(a.clone()),
            _ => None,
        })
        .expect("the message's button");
    let message_id = sent
        .events()
        .iter()
        .find_map(|e| match e {
            ServerEvent::NewMessage(s) if s.output == "pick" => Some(s.id),
            _ => None,
        })
        .expect("the message");
    assert_eq!(action.for_id, Some(message_id));

    let clicked = chat.click(&action).await?;
    assert_eq!(clicked.replies(), ["approved in webapp"]);
    assert!(clicked.events().contains(&ServerEvent::Toast {
        message: "approved order 7".to_owned(),
        kind: ToastKind::Success,
    }));

    // The same click over REST, as the page sends it.
    let response = client
        .post("/project/action")
        .json(&json!({ "sessionId": chat.session_id(), "action": action }))
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text());
    assert_eq!(response.json::<serde_json::Value>()?["success"], true);
    assert_eq!(chat.received().replies(), ["approved in webapp"]);

    let unknown = client
        .post("/project/action")
        .json(&json!({ "sessionId": chat.session_id(), "action": { "name": "nope" } }))
        .send()
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert!(
        unknown.text().contains("action_callback(\\\"nope\\\")"),
        "{}",
        unknown.text()
    );
    let malformed = client.post("/project/action").body("{").send().await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn actions_need_a_live_tab_and_a_known_session() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(offer).register(approve))?;
    let chat = client.open_chat().await?;
    let id = chat.session_id();
    drop(chat);
    let action = json!({ "name": "approve", "payload": {} });
    let no_tab = client
        .post("/project/action")
        .json(&json!({ "sessionId": id, "action": action }))
        .send()
        .await;
    assert_eq!(no_tab.status(), StatusCode::CONFLICT);
    let unknown = client
        .post("/project/action")
        .json(&json!({ "sessionId": uuid::Uuid::new_v4(), "action": action }))
        .send()
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    Ok(())
}

/// Without a settings type, the values are kept as the client sent them.
#[on_settings_update]
async fn settings(session: Session) -> chainrs::Result<()> {
    let seen = session.chat_settings().get("model").cloned();
    Message::new(format!("stored {seen:?}")).send().await?;
    Ok(())
}

#[on_window_message]
async fn from_window(message: WindowMessage) -> chainrs::Result<()> {
    chainrs::send_window_message(json!({ "echo": message.0 })).await
}

#[tokio::test]
async fn settings_and_window_messages_reach_their_hooks() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(settings).register(from_window))?;
    let mut chat = client.open_chat().await?;
    let changed = chat.change_settings(json!({ "model": "small" })).await?;
    assert_eq!(changed.replies(), ["stored Some(String(\"small\"))"]);
    assert_eq!(
        chat.session().chat_settings().get("model"),
        Some(&json!("small"))
    );
    let echoed = chat.window_message(json!({ "page": 2 })).await?;
    assert_eq!(
        echoed.events(),
        [ServerEvent::WindowMessage(json!({ "echo": { "page": 2 } }))]
    );
    Ok(())
}

#[tokio::test]
async fn chat_only_apis_explain_themselves_outside_a_chat() {
    let err = Step::tool("x").start().await.expect_err("no context");
    assert!(
        err.to_string().contains("outside a chainrs handler"),
        "{err}"
    );
    let err = chainrs::toast("x", ToastKind::Info)
        .await
        .expect_err("no context");
    assert!(err.to_string().contains("chainrs::toast"), "{err}");
    let err = AskUserMessage::new("?")
        .send()
        .await
        .expect_err("no context");
    assert!(err.to_string().contains("AskUserMessage::send"), "{err}");
}

#[tokio::test]
async fn two_callbacks_for_one_action_name_are_refused() {
    #[action_callback("approve")]
    async fn approve_again() {}
    let err = TestClient::new(App::new().register(approve).register(approve_again))
        .err()
        .expect("duplicate action name");
    let text = err.to_string();
    assert!(
        text.contains("two #[action_callback(\"approve\")]") && text.contains("approve_again"),
        "{text}"
    );
}

#[on_message]
async fn revise(_msg: Message) -> chainrs::Result<()> {
    let mut draft = Message::new("draft").send().await?;
    draft.content = "final".to_owned();
    draft.update().await?;
    Message::new("temporary").send().await?.remove().await?;
    Ok(())
}

#[tokio::test]
async fn messages_can_be_updated_and_removed() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(revise))?;
    let mut chat = client.open_chat().await?;
    let transcript = chat.send("go").await?;
    assert_eq!(transcript.replies(), ["final"]);
    let names = transcript.names();
    assert!(
        names.contains(&"update_message") && names.contains(&"delete_message"),
        "{names:?}"
    );
    let deleted = transcript.events().iter().find_map(|e| match e {
        ServerEvent::DeleteMessage(s) => Some(s.output.clone()),
        _ => None,
    });
    assert_eq!(deleted.as_deref(), Some("temporary"));
    Ok(())
}

#[derive(SessionState, Default, Serialize, Deserialize)]
struct Seen {
    n: u32,
}

#[on_message]
async fn count(_msg: Message, seen: UserSession<Seen>) -> chainrs::Result<()> {
    seen.update(|s| s.n += 1).await?;
    Ok(())
}

#[tokio::test]
async fn a_run_on_a_session_deleted_elsewhere_still_ends_its_task() -> chainrs::Result<()> {
    // The store is shared (as several instances share Redis): another instance deletes the
    // session while this one's tab is connected.
    let store = Arc::new(MemoryStore::new());
    let client = TestClient::new(App::new().register(count).session_store(store.clone()))?;
    let mut chat = client.open_chat().await?;
    // What the tab got on connecting (task_end, clear_ask, clear_call_fn) is not this turn's.
    chat.received();
    assert!(
        store
            .delete(chat.session_id())
            .await
            .map_err(chainrs::Error::Store)?
    );
    let transcript = chat.send("anyone?").await?;
    let names = transcript.names();
    assert_eq!(names.first(), Some(&"task_start"), "{names:?}");
    assert_eq!(names.last(), Some(&"task_end"), "{names:?}");
    assert!(
        transcript.errors()[0].contains("does not exist"),
        "{:?}",
        transcript.errors()
    );
    Ok(())
}

/// The rest of Chainlit's chat API its apps use: ids the app gives its buttons, removing a
/// message's buttons, a handle on an ask's message, changing and removing a finished step,
/// streaming into a step, sequence tokens and task lists.
#[on_message]
async fn more(msg: Message) -> chainrs::Result<()> {
    match msg.content.as_str() {
        "buttons" => {
            let mut choice = Message::new("choose")
                .with_action(
                    Action::new("approve", "Approve", json!({ "order": 1 })).with_id("approve-1"),
                )
                .with_action(Action::new("approve", "Approve too", json!({ "order": 2 })))
                .send()
                .await?;
            choice.remove_actions().await?;
            assert!(choice.actions.is_empty());
        }
        "ask" => {
            let ask = AskUserMessage::new("Your name?").author("Quizmaster");
            let mut question = ask.message().clone();
            let answer = ask.send().await?;
            question.content = format!(
                "Your name? ({})",
                answer.map(|m| m.content).unwrap_or_default()
            );
            question.update().await?;
            question.remove().await?;
        }
        "step" => {
            let mut step = Step::tool("think").start().await?;
            step.stream_token("a").await?;
            step.stream_token("b").await?;
            step.replace_output("all new").await?;
            let mut done = step.end().await?;
            assert_eq!(done.output(), "all new");
            done.update("changed after the end").await?;
            done.remove().await?;
        }
        "sequence" => {
            let mut out = Message::new("").stream().await?;
            out.token("draft").await?;
            out.replace("final text").await?;
            out.token("!").await?;
            out.finish().await?;
        }
        "tasks" => {
            let mut plan = TaskList::new();
            plan.add_task(Task::new("Search").status(TaskStatus::Running));
            plan.add_task(Task::new("Answer"));
            plan.send().await?;
            plan.tasks[0].status = TaskStatus::Done;
            plan.status = "Answering".to_owned();
            plan.send().await?;
        }
        _ => {}
    }
    Ok(())
}

#[tokio::test]
async fn app_chosen_action_ids_and_removing_a_messages_buttons() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(more).register(approve))?;
    let mut chat = client.open_chat().await?;
    let seen = chat.send("buttons").await?;
    let shown: Vec<String> = seen
        .events()
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Action(a) => Some(a.id.clone()),
            _ => None,
        })
        .collect();
    let removed: Vec<String> = seen
        .events()
        .iter()
        .filter_map(|e| match e {
            ServerEvent::RemoveAction(a) => Some(a.id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[0], "approve-1", "the app's own id");
    assert!(
        uuid::Uuid::parse_str(&shown[1]).is_ok(),
        "a UUID by default: {}",
        shown[1]
    );
    assert_eq!(removed, shown, "remove_actions removes each button");
    let payload =
        ServerEvent::Action(Action::new("approve", "A", json!({})).with_id("approve-1")).payload();
    assert_eq!(payload["id"], json!("approve-1"));

    // The page sends the id back as it got it; the callback runs.
    let response = client
        .post("/project/action")
        .json(&json!({ "sessionId": chat.session_id(),
            "action": { "id": "approve-1", "name": "approve", "payload": { "order": 1 } } }))
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text());
    assert_eq!(chat.received().replies(), ["approved in webapp"]);
    Ok(())
}

#[tokio::test]
async fn an_asks_message_can_be_changed_and_removed_once_answered() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(more))?;
    let mut chat = client.open_chat().await?;
    chat.answer_next_ask(Some(json!({ "output": "Ada" })));
    let seen = chat.send("ask").await?;
    let asked = seen
        .events()
        .iter()
        .find_map(|e| match e {
            ServerEvent::Ask { msg, .. } => Some(msg.clone()),
            _ => None,
        })
        .expect("the ask");
    assert_eq!(asked.name, "Quizmaster");
    let updated = seen.events().iter().find_map(|e| match e {
        ServerEvent::UpdateMessage(s) if s.id == asked.id => Some(s.output.clone()),
        _ => None,
    });
    assert_eq!(updated.as_deref(), Some("Your name? (Ada)"));
    assert!(
        seen.events()
            .iter()
            .any(|e| matches!(e, ServerEvent::DeleteMessage(s) if s.id == asked.id)),
        "{:?}",
        seen.names()
    );
    let clear = seen.names().iter().position(|n| *n == "clear_ask");
    let update = seen.names().iter().position(|n| *n == "update_message");
    assert!(
        clear.is_some() && clear < update,
        "the answered ask is cleared first: {:?}",
        seen.names()
    );
    Ok(())
}

#[tokio::test]
async fn a_step_streams_replaces_its_output_and_changes_after_its_end() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(more))?;
    let mut chat = client.open_chat().await?;
    let seen = chat.send("step").await?;
    let step_events: Vec<&ServerEvent> = seen
        .events()
        .iter()
        .filter(|e| match e {
            ServerEvent::StreamStart(s)
            | ServerEvent::UpdateMessage(s)
            | ServerEvent::NewMessage(s)
            | ServerEvent::DeleteMessage(s) => s.name == "think",
            ServerEvent::StreamToken(_) => true,
            _ => false,
        })
        .collect();
    let names: Vec<&str> = step_events.iter().map(|e| e.name()).collect();
    assert_eq!(
        names,
        [
            "new_message",
            "stream_start",
            "stream_token",
            "stream_token",
            "update_message",
            "update_message",
            "delete_message"
        ]
    );
    let sequence = seen.events().iter().find_map(|e| match e {
        ServerEvent::StreamToken(t) if t.is_sequence => Some(t.token.clone()),
        _ => None,
    });
    assert_eq!(sequence.as_deref(), Some("all new"));
    let outputs: Vec<String> = seen
        .events()
        .iter()
        .filter_map(|e| match e {
            ServerEvent::UpdateMessage(s) if s.name == "think" => Some(s.output.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(outputs, ["all new", "changed after the end"]);
    assert!(
        chainrs::protocol::final_steps(seen.events())
            .iter()
            .all(|s| s.name != "think"),
        "the removed step is gone"
    );
    Ok(())
}

#[tokio::test]
async fn a_sequence_token_replaces_the_streamed_text() -> chainrs::Result<()> {
    let client = TestClient::new(App::new().register(more))?;
    let mut chat = client.open_chat().await?;
    let seen = chat.send("sequence").await?;
    assert_eq!(seen.replies(), ["final text!"]);
    assert!(seen.events().iter().any(
        |e| matches!(e, ServerEvent::StreamToken(t) if t.is_sequence && t.token == "final text")
    ));
    Ok(())
}

#[tokio::test]
async fn a_task_list_is_sent_again_under_the_same_id() -> chainrs::Result<()> {
    let dir = std::env::temp_dir().join(format!("chainrs-tasks-{}", uuid::Uuid::new_v4()));
    let client = TestClient::new(App::new().register(more).files_dir(&dir))?;
    let mut chat = client.open_chat().await?;
    let seen = chat.send("tasks").await?;
    let lists: Vec<chainrs::protocol::ElementDict> = seen
        .events()
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Element(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(lists.len(), 2);
    assert_eq!(lists[0].id, lists[1].id, "the page replaces the list");
    assert_eq!(
        serde_json::to_value(lists[1].kind).expect("json"),
        json!("tasklist")
    );
    let key = lists[1].chainlit_key.clone().expect("stored");
    let content: serde_json::Value = client
        .get(&format!(
            "/project/file/{key}?session_id={}",
            chat.session_id()
        ))
        .send()
        .await
        .json()?;
    assert_eq!(
        content,
        json!({ "status": "Answering", "tasks": [
            { "title": "Search", "status": "done", "forId": null },
            { "title": "Answer", "status": "ready", "forId": null },
        ]})
    );
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// Replies with the conversation so far, as OpenAI's messages.
#[on_message]
async fn recall(msg: Message) -> chainrs::Result<()> {
    if msg.content == "forget" {
        ChatContext::clear().await?;
    }
    let history = ChatContext::to_openai().await?;
    let lines: Vec<String> = history
        .iter()
        .map(|m| {
            format!(
                "{}: {}",
                m["role"].as_str().unwrap_or("?"),
                m["content"].as_str().unwrap_or("?")
            )
        })
        .collect();
    let mut reply = Message::new(lines.join(" | ")).send().await?;
    if msg.content == "retract" {
        reply.content = "retracted".to_owned();
        reply.update().await?;
        reply.remove().await?;
    }
    Ok(())
}

#[tokio::test]
async fn the_chat_context_is_the_conversation_so_far_and_follows_edits() -> chainrs::Result<()> {
    // Without App::chat_context the conversation is not kept, and asking for it says so.
    let bare = TestClient::new(App::new().register(recall))?;
    let mut bare_chat = bare.open_chat().await?;
    let refused = bare_chat.send("hello").await?;
    assert!(
        refused
            .errors()
            .iter()
            .any(|e| e.contains("App::chat_context()")),
        "{:?}",
        refused.errors()
    );

    let client = TestClient::new(App::new().register(recall).chat_context())?;
    let mut chat = client.open_chat().await?;
    let first = chat.send("hello").await?;
    assert_eq!(first.replies(), ["user: hello"]);
    let second = chat.send("how are you").await?;
    assert_eq!(
        second.replies(),
        ["user: hello | assistant: user: hello | user: how are you"]
    );
    // Editing the first message drops what came after it, from the context and the tab.
    let hello_id = chainrs::protocol::final_steps(first.events())
        .iter()
        .find(|s| s.output == "user: hello")
        .map(|s| s.id)
        .expect("the first reply");
    let conversation = chat.within(ChatContext::get()).await?;
    assert_eq!(conversation.len(), 4);
    let first_user = conversation[0].id;
    let edited = chat.edit(first_user, "hi again").await?;
    assert_eq!(edited.replies(), ["user: hi again"]);
    let deleted: Vec<uuid::Uuid> = edited
        .events()
        .iter()
        .filter_map(|e| match e {
            ServerEvent::DeleteMessage(s) => Some(s.id),
            _ => None,
        })
        .collect();
    assert_eq!(
        deleted.len(),
        3,
        "the reply, the second message and its reply go"
    );
    assert!(deleted.contains(&hello_id));
    // A removed reply leaves the context; clear empties it.
    let retracted = chat.send("retract").await?;
    assert!(retracted.replies().is_empty(), "{:?}", retracted.names());
    let context = chat.within(ChatContext::to_openai()).await?;
    assert_eq!(
        context,
        [
            json!({"role": "user", "content": "hi again"}),
            json!({"role": "assistant", "content": "user: hi again"}),
            json!({"role": "user", "content": "retract"}),
        ]
    );
    let cleared = chat.send("forget").await?;
    assert_eq!(cleared.replies(), [""]);
    Ok(())
}

#[on_chat_start]
async fn offer_commands() -> chainrs::Result<()> {
    chainrs::set_commands(vec![
        ChatCommand::new("search", "globe", "Search the web")
            .button()
            .persistent(),
    ])
    .await?;
    chainrs::set_modes(vec![
        ChatMode::new("model", "Model")
            .option(ModeOption::new("fast", "Fast").default_option())
            .option(ModeOption::new("deep", "Deep").icon("brain")),
    ])
    .await
}

#[on_message]
async fn by_command(msg: Message) -> chainrs::Result<()> {
    let model = msg.modes.get("model").map_or("-", String::as_str);
    Message::new(format!(
        "{} via {} on {model}",
        msg.content,
        msg.command.as_deref().unwrap_or("-")
    ))
    .send()
    .await?;
    Ok(())
}

#[tokio::test]
async fn commands_and_modes_reach_the_composer_and_come_back_with_messages() -> chainrs::Result<()>
{
    let client = TestClient::new(App::new().register(offer_commands).register(by_command))?;
    let mut chat = client.open_chat().await?;
    let opened = chat.received();
    let commands = opened.events().iter().find_map(|e| match e {
        ServerEvent::SetCommands(commands) => Some(commands.clone()),
        _ => None,
    });
    assert_eq!(
        commands.map(|c| c.iter().map(|c| c.id.clone()).collect::<Vec<_>>()),
        Some(vec!["search".to_owned()])
    );
    let modes = opened.events().iter().find_map(|e| match e {
        ServerEvent::SetModes(modes) => Some(modes.clone()),
        _ => None,
    });
    assert_eq!(
        modes.map(|m| m[0].options.len()),
        Some(2),
        "the mode and its options"
    );
    let picked = chat
        .send_message(
            Message::from_user("rust")
                .with_command("search")
                .with_mode("model", "deep"),
        )
        .await?;
    assert_eq!(picked.replies(), ["rust via search on deep"]);
    let plain = chat.send("hi").await?;
    assert_eq!(plain.replies(), ["hi via - on -"]);

    // A reload (another tab of the session) is shown the composer again, without a new
    // on_chat_start: the commands and modes are kept with the session.
    let id = chat.session().id();
    chat.disconnect().await?;
    let mut again = client.reconnect_chat(id, None).await?;
    let shown = again.received();
    assert_eq!(
        shown.names(),
        [
            "task_end",
            "clear_ask",
            "clear_call_fn",
            "set_commands",
            "set_modes"
        ],
        "the kept commands and modes, and no second on_chat_start"
    );
    assert_eq!(again.session().id(), id, "the same session");
    Ok(())
}
