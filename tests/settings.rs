//! Typed chat settings: `#[derive(ChatSettings)]` makes the panel a tab receives, submitted
//! values are checked against the struct (a misfit is refused and changes nothing), hooks read
//! them as `Settings<T>`, live edits reach `#[on_settings_edit]`, and a data layer keeps them in
//! the thread, so a resumed chat has them back.

use std::sync::Arc;

use chainrs::data::{DataLayer, SqliteDataLayer};
use chainrs::prelude::*;
use chainrs::protocol::{InputWidget, SelectItem, ServerEvent, WidgetKind};
use chainrs::testing::{TestClient, Transcript};
use serde_json::json;

/// Every kind of input, by type and by attribute.
#[derive(ChatSettings, Clone, Debug, PartialEq)]
struct Tuning {
    /// How freely the model picks its words.
    #[setting(slider(min = 0.0, max = 2.0, step = 0.1), tooltip = "0 is focused")]
    temperature: f64,
    /// The longest answer.
    #[setting(numberinput(placeholder = "tokens"), label = "Max tokens")]
    max_tokens: u32,
    stream: bool,
    #[setting(checkbox, disabled)]
    audit: bool,
    #[setting(id = "Model", select(options = ["small", "large"]))]
    model: String,
    tone: Tone,
    #[setting(radio)]
    pace: Tone,
    #[setting(multiselect(options = ["web", "code"]))]
    tools: Vec<String>,
    stop_words: Vec<String>,
    #[setting(textinput(placeholder = "You are…", multiline))]
    system: String,
    #[setting(datepicker(min_date = "2026-01-01"))]
    since: String,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            temperature: 0.7,
            max_tokens: 256,
            stream: true,
            audit: false,
            model: "small".to_owned(),
            tone: Tone::Plain,
            pace: Tone::Warm,
            tools: vec!["web".to_owned()],
            stop_words: Vec::new(),
            system: String::new(),
            since: "2026-06-01".to_owned(),
        }
    }
}

#[derive(SettingChoice, Clone, Copy, Debug, PartialEq)]
enum Tone {
    Plain,
    #[choice(value = "warm", label = "Warm and kind")]
    Warm,
}

#[on_message]
async fn reply(msg: Message, settings: Settings<Tuning>) -> chainrs::Result<()> {
    Message::new(format!(
        "{} at {} ({:?}, {} tokens)",
        msg.content, settings.temperature, settings.tone, settings.max_tokens
    ))
    .send()
    .await?;
    Ok(())
}

#[on_settings_update]
async fn updated(new: Settings<Tuning>, session: Session) -> chainrs::Result<()> {
    let kept = session.chat_settings().get("temperature").cloned();
    Message::new(format!(
        "now {} / {} (kept {kept:?})",
        new.temperature, new.model
    ))
    .send()
    .await?;
    Ok(())
}

#[on_settings_edit]
async fn editing(draft: SettingsDraft<Tuning>, current: Settings<Tuning>) -> chainrs::Result<()> {
    Message::new(format!(
        "editing {} (still {})",
        draft.temperature, current.temperature
    ))
    .send()
    .await?;
    Ok(())
}

fn app() -> App {
    App::new()
        .chat_settings::<Tuning>()
        .register(reply)
        .register(updated)
        .register(editing)
}

fn panel(transcript: &Transcript) -> Option<Vec<InputWidget>> {
    transcript.events().iter().find_map(|e| match e {
        ServerEvent::ChatSettings(inputs) => Some(inputs.clone()),
        _ => None,
    })
}

fn refusal(transcript: &Transcript) -> Option<String> {
    transcript.events().iter().find_map(|e| match e {
        ServerEvent::Error { message, event } if event == "chat_settings_change" => {
            Some(message.clone())
        }
        _ => None,
    })
}

/// The initial value of input `id` in `inputs`.
fn initial(inputs: &[InputWidget], id: &str) -> Option<serde_json::Value> {
    inputs
        .iter()
        .find(|w| w.id == id)
        .map(|w| w.initial.clone())
}

fn item(label: &str, value: &str) -> SelectItem {
    SelectItem {
        label: label.to_owned(),
        value: value.to_owned(),
    }
}

#[tokio::test]
async fn a_new_chat_gets_the_panel_of_the_struct_with_its_defaults() -> chainrs::Result<()> {
    let client = TestClient::new(app())?;
    let mut chat = client.open_chat().await?;
    let opened = chat.received();
    let names = opened.names();
    assert_eq!(
        names,
        ["task_end", "clear_ask", "clear_call_fn", "chat_settings"],
        "the panel comes with the tab's start, before any hook runs"
    );
    let inputs = panel(&opened).expect("a chat_settings event");
    let by_id = |id: &str| {
        inputs
            .iter()
            .find(|w| w.id == id)
            .unwrap_or_else(|| panic!("no input {id}: {inputs:?}"))
            .clone()
    };
    assert_eq!(inputs.len(), 11, "one input per field");
    let temperature = by_id("temperature");
    assert_eq!(
        temperature.kind,
        WidgetKind::Slider {
            min: 0.0,
            max: 2.0,
            step: 0.1
        }
    );
    assert_eq!(temperature.label, "Temperature", "from the field's name");
    assert_eq!(temperature.initial, json!(0.7), "from Default");
    assert_eq!(temperature.tooltip.as_deref(), Some("0 is focused"));
    assert_eq!(
        temperature.description.as_deref(),
        Some("How freely the model picks its words."),
        "from the doc comment"
    );
    let max_tokens = by_id("max_tokens");
    assert_eq!(
        max_tokens.kind,
        WidgetKind::NumberInput {
            placeholder: Some("tokens".to_owned())
        }
    );
    assert_eq!(
        (max_tokens.label.as_str(), max_tokens.initial.clone()),
        ("Max tokens", json!(256))
    );
    assert_eq!(by_id("stream").kind, WidgetKind::Switch, "a bool");
    let audit = by_id("audit");
    assert_eq!((audit.kind, audit.disabled), (WidgetKind::Checkbox, true));
    let model = by_id("Model");
    assert_eq!(
        model.kind,
        WidgetKind::Select {
            items: vec![item("small", "small"), item("large", "large")]
        }
    );
    assert_eq!(model.initial, json!("small"));
    assert_eq!(
        by_id("tone").kind,
        WidgetKind::Select {
            items: vec![item("Plain", "Plain"), item("Warm and kind", "warm")]
        },
        "an enum of choices"
    );
    let pace = by_id("pace");
    assert!(matches!(pace.kind, WidgetKind::Radio { .. }));
    assert_eq!(pace.initial, json!("warm"));
    assert_eq!(
        by_id("tools").kind,
        WidgetKind::MultiSelect {
            items: vec![item("web", "web"), item("code", "code")]
        }
    );
    assert_eq!(by_id("tools").initial, json!(["web"]));
    assert_eq!(by_id("stop_words").kind, WidgetKind::Tags);
    assert_eq!(
        by_id("system").kind,
        WidgetKind::TextInput {
            placeholder: Some("You are…".to_owned()),
            multiline: true
        }
    );
    assert!(matches!(
        by_id("since").kind,
        WidgetKind::DatePicker { ref mode, ref min_date, .. }
            if mode == "single" && min_date.as_deref() == Some("2026-01-01")
    ));
    assert_eq!(
        chat.session().chat_settings().get("temperature"),
        Some(&json!(0.7)),
        "the session starts with the defaults"
    );
    let answered = chat.send("hi").await?;
    assert_eq!(answered.replies(), ["hi at 0.7 (Plain, 256 tokens)"]);
    Ok(())
}

#[tokio::test]
async fn values_that_fit_are_kept_and_reach_every_hook() -> chainrs::Result<()> {
    let client = TestClient::new(app())?;
    let mut chat = client.open_chat().await?;
    let changed = chat
        .change_settings(json!({"temperature": 1.5, "Model": "large", "tone": "warm"}))
        .await?;
    assert_eq!(refusal(&changed), None);
    assert_eq!(
        changed.replies(),
        ["now 1.5 / large (kept Some(Number(1.5)))"]
    );
    // Values not sent stay as they were (merged, as Chainlit merges them).
    let later = chat.change_settings(json!({"max_tokens": 1000})).await?;
    assert_eq!(
        later.replies(),
        ["now 1.5 / large (kept Some(Number(1.5)))"]
    );
    let answered = chat.send("hi").await?;
    assert_eq!(answered.replies(), ["hi at 1.5 (Warm, 1000 tokens)"]);
    Ok(())
}

#[tokio::test]
async fn values_that_do_not_fit_are_refused_and_change_nothing() -> chainrs::Result<()> {
    let client = TestClient::new(app())?;
    let mut chat = client.open_chat().await?;
    for (bad, named) in [
        (json!({"temperature": 2.5}), "`temperature`"),
        (json!({"temperature": "hot"}), "`temperature`"),
        (json!({"max_tokens": -1}), "`max_tokens`"),
        (json!({"max_tokens": 1.5}), "`max_tokens`"),
        (json!({"Model": "huge"}), "`Model`"),
        (json!({"tone": "loud"}), "`tone`"),
        (json!({"tools": ["web", "shell"]}), "`tools`"),
        (json!({"stream": "yes"}), "`stream`"),
        (json!({"colour": "red"}), "`colour`"),
        // One bad value refuses the whole change: the good one is not kept either.
        (json!({"temperature": 1.0, "tone": "loud"}), "`tone`"),
    ] {
        let answered = chat.change_settings(bad.clone()).await?;
        let why = refusal(&answered).unwrap_or_else(|| panic!("{bad} was not refused"));
        assert!(why.contains(named), "{bad}: {why}");
        assert!(
            answered.replies().is_empty(),
            "{bad}: on_settings_update ran"
        );
    }
    assert_eq!(
        chat.session().chat_settings().get("temperature"),
        Some(&json!(0.7))
    );
    let answered = chat.send("hi").await?;
    assert_eq!(answered.replies(), ["hi at 0.7 (Plain, 256 tokens)"]);
    Ok(())
}

#[tokio::test]
async fn live_edits_reach_on_settings_edit_and_store_nothing() -> chainrs::Result<()> {
    let client = TestClient::new(app())?;
    let mut chat = client.open_chat().await?;
    let edited = chat
        .edit_settings(json!({"temperature": 1.9, "tone": "loud"}))
        .await?;
    assert_eq!(
        edited.replies(),
        ["editing 1.9 (still 0.7)"],
        "what fits of the draft, over the current values"
    );
    assert_eq!(
        chat.session().chat_settings().get("temperature"),
        Some(&json!(0.7))
    );
    Ok(())
}

#[tokio::test]
async fn a_resumed_thread_has_its_settings_back() -> chainrs::Result<()> {
    let layer = Arc::new(SqliteDataLayer::connect("sqlite::memory:").await?);
    let client = TestClient::new(app().data_layer(layer.clone()))?;
    let ada = User::new("ada");
    let mut chat = client.open_chat_as(ada.clone()).await?;
    let thread = chat.session().thread_id();
    chat.send("first").await?;
    chat.change_settings(json!({"temperature": 0.2, "tone": "warm"}))
        .await?;
    chat.close().await?;
    assert!(client.flush_writes().await, "the writes are made");
    let kept = layer
        .get_thread(thread)
        .await
        .map_err(chainrs::Error::Store)?
        .expect("kept");
    assert_eq!(
        kept.metadata
            .get("chat_settings")
            .and_then(|s| s.get("temperature")),
        Some(&json!(0.2)),
        "in the thread's metadata, where Chainlit keeps them"
    );

    let mut back = client.resume_chat_as(ada, thread).await?;
    let opened = back.received();
    let names = opened.names();
    let at = |name: &str| names.iter().position(|n| *n == name);
    assert!(
        at("resume_thread") < at("chat_settings"),
        "the panel follows the thread: {names:?}"
    );
    let inputs = panel(&opened).expect("the panel");
    assert_eq!(initial(&inputs, "temperature"), Some(json!(0.2)));
    assert_eq!(initial(&inputs, "tone"), Some(json!("warm")));
    let answered = back.send("again").await?;
    assert_eq!(answered.replies(), ["again at 0.2 (Warm, 256 tokens)"]);
    Ok(())
}

#[tokio::test]
async fn values_an_older_app_kept_that_no_longer_fit_fall_back_to_the_defaults()
-> chainrs::Result<()> {
    let layer = Arc::new(SqliteDataLayer::connect("sqlite::memory:").await?);
    // An app whose settings had no checks kept a value the typed one refuses.
    let before = TestClient::new(App::new().data_layer(layer.clone()).register(reply_plain))?;
    let ada = User::new("ada");
    let mut chat = before.open_chat_as(ada.clone()).await?;
    let thread = chat.session().thread_id();
    chat.send("first").await?;
    chat.change_settings(json!({"temperature": 9, "tone": "warm"}))
        .await?;
    chat.close().await?;
    assert!(before.flush_writes().await);

    let client = TestClient::new(app().data_layer(layer.clone()))?;
    let mut back = client.resume_chat_as(ada, thread).await?;
    let inputs = panel(&back.received()).expect("the panel");
    assert_eq!(
        initial(&inputs, "temperature"),
        Some(json!(0.7)),
        "the default"
    );
    assert_eq!(
        initial(&inputs, "tone"),
        Some(json!("warm")),
        "what still fits stays"
    );
    let answered = back.send("again").await?;
    assert_eq!(answered.replies(), ["again at 0.7 (Warm, 256 tokens)"]);
    Ok(())
}

#[on_message]
async fn reply_plain(msg: Message) -> chainrs::Result<()> {
    Message::new(msg.content).send().await?;
    Ok(())
}
