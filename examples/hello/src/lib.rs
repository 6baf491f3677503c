//! The hello chat: log in as admin/admin (or guest/guest), get greeted, and every message is echoed with the
//! session's turn count, kept in a typed `UserSession`. An endpoint reads the same session.
//!
//! A few commands show the rest of the chat API: `/long` (a slow stream to stop), `/count`
//! (50,000 tokens as fast as possible), `/tick` (a 10-second job writing to the session), `/tool`
//! (nested steps), `/ask` (a text question), `/choose` (buttons), `/action` (an action
//! callback), `/image` (an inline picture and a side text), `/sidebar` (the element panel),
//! `/file` (a file asked for and read), `/tasks` (a task list that advances), `/recap` (the
//! conversation so far, from `ChatContext`), `/settings` (the typed chat settings), `/toast` and
//! `/error`; the composer's "reverse" command and "case" mode change the echo; files attached
//! in the composer are read and described; the chat settings panel
//! (`Tuning`: a slider, a switch, a select) shapes the echo, changes are confirmed with a toast, and window
//! messages from an embedding page are echoed back. Two chat profiles: Echo greets, Quiet does
//! not, so its starters show on the empty chat. Chats are kept (a SQLite file by default,
//! see `main.rs`): a past thread opened from the history resumes where it was.

use std::time::Duration;

use chainrs::prelude::*;

/// What the chat remembers per session, stored under the key `chat` (`state:chat`), which
/// stays the same wherever this type moves. A field added later needs `#[serde(default)]` so
/// that sessions stored before it still read.
#[derive(SessionState, Debug, Default, Serialize, Deserialize)]
#[session(key = "chat")]
pub struct Chat {
    /// Messages received so far.
    pub turns: u32,
    /// Their texts.
    pub history: Vec<String>,
}

/// The chat settings panel (the gear in the composer): each field one input, its type
/// checked on the way in, so a reply reads `settings.temperature` as an `f64`.
#[derive(ChatSettings, Clone, Debug, PartialEq)]
pub struct Tuning {
    /// How freely an LLM would pick its words (shown by `/settings`).
    #[setting(slider(min = 0.0, max = 2.0, step = 0.1))]
    pub temperature: f64,
    /// Echo in capitals.
    #[setting(label = "Shout")]
    pub shout: bool,
    /// Who answers.
    pub voice: Voice,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            temperature: 0.7,
            shout: false,
            voice: Voice::Plain,
        }
    }
}

/// The voices of the `voice` select.
#[derive(SettingChoice, Clone, Copy, Debug, PartialEq)]
pub enum Voice {
    /// As it is.
    #[choice(value = "plain", label = "Plain")]
    Plain,
    /// With an "arr".
    #[choice(value = "pirate", label = "Pirate")]
    Pirate,
}

/// Accepts admin/admin and guest/guest.
#[password_auth_callback]
pub async fn login(username: String, password: String) -> Option<User> {
    matches!(
        (username.as_str(), password.as_str()),
        ("admin", "admin") | ("guest", "guest")
    )
    .then(|| User::new(username))
}

/// The profile that greets (the default).
pub const ECHO: &str = "Echo";
/// The profile that waits for the first message, so the page shows its starters.
pub const QUIET: &str = "Quiet";

/// The two assistants of the profile picker (`chatProfiles`): both echo; Quiet does not greet,
/// so an empty chat with it shows its own starters.
#[set_chat_profiles]
pub async fn profiles(_user: Option<User>) -> Vec<ChatProfile> {
    vec![
        ChatProfile::new(ECHO, "Greets you, then echoes every message.").default_profile(),
        ChatProfile::new(
            QUIET,
            "Echoes, without a greeting: start from a **starter**.",
        )
        .starter(Starter::new("Say hello", "hello from a starter"))
        .starter(Starter::new("Echo backwards", "Starters work").command("reverse")),
    ]
}

/// Greets the user (with the Echo profile).
#[on_chat_start]
pub async fn start(user: User, profile: ChatProfile) -> chainrs::Result<()> {
    composer().await?;
    if profile.name == QUIET {
        return Ok(());
    }
    Message::new(format!("Hello {}", user.identifier))
        .send()
        .await?;
    Ok(())
}

/// The composer's command (a button that echoes backwards) and mode picker (the echo's case):
/// what the user picks arrives with the message as `msg.command` and `msg.modes`.
async fn composer() -> chainrs::Result<()> {
    chainrs::set_commands(vec![
        ChatCommand::new("reverse", "repeat", "Echo the message backwards").button(),
    ])
    .await?;
    chainrs::set_modes(vec![
        ChatMode::new("case", "Case")
            .option(ModeOption::new("as-is", "As written").default_option())
            .option(ModeOption::new("lower", "Lower case").description("Echo in lower case")),
    ])
    .await
}

/// Welcomes the user back to a past thread (from the history sidebar, or a reload): the tab
/// shows the thread already and the session's `Chat` is back, so the turns go on counting.
#[on_chat_resume]
pub async fn resume(thread: Thread, chat: UserSession<Chat>) -> chainrs::Result<()> {
    composer().await?;
    let turns = chat.get().await?.turns;
    Message::new(format!(
        "Welcome back to \"{}\": {turns} turns so far",
        thread.name().unwrap_or("this chat")
    ))
    .send()
    .await?;
    Ok(())
}

/// Thanks the user for rating a reply (the thumbs under it, with a data layer), with a toast.
#[on_feedback]
pub async fn rated(feedback: Feedback) -> chainrs::Result<()> {
    let said = if feedback.is_positive() {
        "Thanks, glad it helped"
    } else {
        "Thanks, noted"
    };
    chainrs::toast(said, ToastKind::Success).await
}

/// Echoes the message with its turn number, streaming the words; runs the demo commands.
#[on_message]
pub async fn reply(
    msg: Message,
    chat: UserSession<Chat>,
    settings: Settings<Tuning>,
) -> chainrs::Result<()> {
    let turns = chat
        .update(|c| {
            c.turns += 1;
            c.history.push(msg.content.clone());
            c.turns
        })
        .await?;
    if !msg.elements.is_empty() {
        return describe_files(&msg.elements).await;
    }
    match msg.content.trim() {
        "/long" => long_reply().await,
        "/later" => {
            // A job that answers after the user may have left: kept and delivered on reconnect.
            chainrs::spawn(async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                Message::new("later: done").send().await
            });
            Ok(())
        }
        "/count" => count_fast().await,
        "/tick" => tick(&chat).await,
        "/tool" => tool_demo().await,
        "/ask" => ask_demo().await,
        "/choose" => choose_demo().await,
        "/action" => {
            Message::new("Press the button")
                .with_action(Action::new("wave", "Wave", chainrs::serde_json::json!({})))
                .send()
                .await?;
            Ok(())
        }
        "/image" => image_demo().await,
        "/sidebar" => sidebar_demo().await,
        "/file" => file_demo().await,
        "/tasks" => tasks_demo().await,
        "/recap" => recap().await,
        "/toast" => chainrs::toast("Saved", ToastKind::Success).await,
        "/error" => Err(chainrs::Error::handler("something broke")),
        "/settings" => {
            let Tuning {
                temperature,
                shout,
                voice,
            } = &*settings;
            Message::new(format!(
                "temperature {temperature}, shout {shout}, voice {voice:?}"
            ))
            .send()
            .await?;
            Ok(())
        }
        _ => {
            let mut text = msg.content.clone();
            if msg.command.as_deref() == Some("reverse") {
                text = text.chars().rev().collect();
            }
            if msg.modes.get("case").map(String::as_str) == Some("lower") {
                text = text.to_lowercase();
            }
            echo(turns, &text, &settings).await
        }
    }
}

async fn echo(turns: u32, text: &str, settings: &Tuning) -> chainrs::Result<()> {
    let text = if settings.shout {
        text.to_uppercase()
    } else {
        text.to_owned()
    };
    let mut out = Message::new("").stream().await?;
    out.token(format!("echo #{turns}: ")).await?;
    for (i, word) in text.split(' ').enumerate() {
        out.token(if i == 0 {
            word.to_owned()
        } else {
            format!(" {word}")
        })
        .await?;
    }
    if settings.voice == Voice::Pirate {
        out.token(", arr!").await?;
    }
    out.finish().await?;
    Ok(())
}

/// 200 words, one every 50 ms: long enough to press stop.
async fn long_reply() -> chainrs::Result<()> {
    let mut out = Message::new("").stream().await?;
    for i in 1..=200 {
        let word = if i == 1 {
            "word1".to_owned()
        } else {
            format!(" word{i}")
        };
        out.token(word).await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    out.finish().await?;
    Ok(())
}

/// Streams "1 2 … 50000" as fast as it can: tokens a slow client has not taken yet are merged,
/// so the handler never waits and nothing is lost.
async fn count_fast() -> chainrs::Result<()> {
    let mut out = Message::new("").stream().await?;
    for i in 1..=50_000u32 {
        out.token(if i == 1 {
            "1".to_owned()
        } else {
            format!(" {i}")
        })
        .await?;
    }
    out.finish().await?;
    Ok(())
}

/// Adds a line to the history every 100 ms for 10 s: work that stop ends, whichever
/// instance the stop comes from.
async fn tick(chat: &UserSession<Chat>) -> chainrs::Result<()> {
    for i in 1..=100 {
        chat.update(|c| c.history.push(format!("tick {i}"))).await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Message::new("ticked 100 times").send().await?;
    Ok(())
}

async fn tool_demo() -> chainrs::Result<()> {
    let search = Step::tool("search").input("/tool").start().await?;
    search
        .within(
            Step::llm("summarize")
                .input("3 results")
                .run(async { Ok::<_, chainrs::Error>("a short summary") }),
        )
        .await?;
    search.finish("3 results").await?;
    Message::new("done").send().await?;
    Ok(())
}

async fn ask_demo() -> chainrs::Result<()> {
    let answer = AskUserMessage::new("What is your name?")
        .timeout(Duration::from_secs(30))
        .send()
        .await?;
    let text = match answer {
        Some(name) => format!("Nice to meet you, {}", name.content),
        None => "No answer".to_owned(),
    };
    Message::new(text).send().await?;
    Ok(())
}

async fn choose_demo() -> chainrs::Result<()> {
    let colours = vec![
        Action::new("red", "Red", chainrs::serde_json::json!({ "hex": "#d33" })),
        Action::new(
            "blue",
            "Blue",
            chainrs::serde_json::json!({ "hex": "#33d" }),
        ),
    ];
    let chosen = AskActionMessage::new("Pick a colour", colours)
        .timeout(Duration::from_secs(30))
        .send()
        .await?;
    let text = match chosen {
        Some(action) => format!("You chose {}", action.name),
        None => "No choice".to_owned(),
    };
    Message::new(text).send().await?;
    Ok(())
}

/// A small bar chart, drawn as SVG.
fn chart() -> String {
    let bars: String = [40, 75, 55, 90]
        .iter()
        .enumerate()
        .map(|(i, h)| {
            format!(
                r##"<rect x="{}" y="{}" width="30" height="{h}" fill="#4f7cff"/>"##,
                10 + i * 45,
                100 - h
            )
        })
        .collect();
    format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">{bars}</svg>"#)
}

/// An inline picture, and a text shown in the side panel from the message's link to it.
async fn image_demo() -> chainrs::Result<()> {
    Message::new("Here is the chart; its numbers are in chart-data.")
        .with_element(
            Element::image("chart")
                .bytes(chart())
                .mime("image/svg+xml")
                .size(ElementSize::Small),
        )
        .with_element(
            Element::text("chart-data")
                .content("40, 75, 55, 90")
                .display(Display::Side),
        )
        .send()
        .await?;
    Ok(())
}

/// Opens the element panel with a title and a text.
async fn sidebar_demo() -> chainrs::Result<()> {
    ElementSidebar::set_title("Notes").await?;
    ElementSidebar::set_elements(
        vec![Element::text("notes").content("Kept beside the chat.")],
        None,
    )
    .await?;
    Message::new("The notes are open beside the chat.")
        .send()
        .await?;
    Ok(())
}

/// Asks for a text file and says what is in it.
async fn file_demo() -> chainrs::Result<()> {
    let files = AskFileMessage::new("Upload a text file", Accept::mime(["text/plain"]))
        .timeout(Duration::from_secs(60))
        .send()
        .await?;
    let Some(file) = files.and_then(|files| files.into_iter().next()) else {
        Message::new("No file").send().await?;
        return Ok(());
    };
    let text = String::from_utf8_lossy(&file.read().await?).into_owned();
    Message::new(format!(
        "{} has {} lines; the first: {}",
        file.name(),
        text.lines().count(),
        text.lines().next().unwrap_or("")
    ))
    .send()
    .await?;
    Ok(())
}

/// A task list that advances while a step streams its thoughts.
async fn tasks_demo() -> chainrs::Result<()> {
    let mut plan = TaskList::new();
    plan.status = "Working".to_owned();
    plan.add_task(Task::new("Look it up").status(TaskStatus::Running));
    plan.add_task(Task::new("Write the answer"));
    plan.send().await?;
    let mut thinking = Step::llm("think").start().await?;
    for word in ["reading", " the", " sources"] {
        thinking.stream_token(word).await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    thinking.end().await?;
    plan.tasks[0].status = TaskStatus::Done;
    plan.tasks[1].status = TaskStatus::Done;
    plan.status = "Done".to_owned();
    plan.send().await?;
    Message::new("All tasks done.").send().await?;
    Ok(())
}

/// Counts the conversation so far by role, as an LLM call would receive it.
async fn recap() -> chainrs::Result<()> {
    let conversation = ChatContext::to_openai().await?;
    let count = |role: &str| conversation.iter().filter(|m| m["role"] == role).count();
    Message::new(format!(
        "So far: {} from you, {} from me.",
        count("user"),
        count("assistant")
    ))
    .send()
    .await?;
    Ok(())
}

/// Says what the attached files are.
async fn describe_files(files: &[Element]) -> chainrs::Result<()> {
    let mut lines = Vec::with_capacity(files.len());
    for file in files {
        let bytes = file.read().await?;
        lines.push(format!(
            "received {} ({}, {} bytes)",
            file.name(),
            file.mime_type().unwrap_or("unknown type"),
            bytes.len()
        ));
    }
    Message::new(lines.join("\n")).send().await?;
    Ok(())
}

/// Answers the "wave" button of `/action`.
#[action_callback("wave")]
pub async fn wave(_action: Action) -> chainrs::Result<()> {
    Message::new("👋").send().await?;
    Ok(())
}

/// The suggested first messages (`/project/settings`; the page shows them on an empty chat,
/// so with the greeting Echo profile they never show; the Quiet profile has its own).
#[set_starters]
pub async fn starters(user: Option<User>) -> Vec<Starter> {
    let mut offered = vec![Starter::new("Show the settings", "/settings")];
    if user.is_some() {
        offered.push(Starter::new("Echo backwards", "Starters work").command("reverse"));
    }
    offered
}

/// The same kind of suggestions in named groups (`starterCategories`), for the Echo profile
/// only: where there are groups the page shows them instead of the profile's own starters.
#[set_starter_categories]
pub async fn starter_groups(
    _user: Option<User>,
    profile: Option<ChatProfile>,
) -> Vec<StarterCategory> {
    if profile.is_some_and(|p| p.name == QUIET) {
        return Vec::new();
    }
    vec![
        StarterCategory::new("Try the chat API")
            .starter(Starter::new("A tool step", "/tool"))
            .starter(Starter::new("A task list", "/tasks")),
    ]
}

/// Confirms a change of the chat settings (values that do not fit `Tuning` never get here:
/// the client is told why and the old values stay).
#[on_settings_update]
pub async fn settings_changed(settings: Settings<Tuning>) -> chainrs::Result<()> {
    chainrs::toast(
        format!(
            "Settings saved: temperature {}, voice {:?}",
            settings.temperature, settings.voice
        ),
        ToastKind::Info,
    )
    .await
}

/// Answers the page that embeds the chat.
#[on_window_message]
pub async fn from_window(message: WindowMessage) -> chainrs::Result<()> {
    chainrs::send_window_message(chainrs::serde_json::json!({ "echo": message.0 })).await
}

/// Adds a line to the history from outside the chat; the chat's next turn counts it.
#[endpoint(http, method = "POST", path = "/history")]
pub async fn add_history(
    chat: UserSession<Chat>,
    Json(line): Json<String>,
) -> chainrs::Result<Json<u32>> {
    let turns = chat
        .update(|c| {
            c.turns += 1;
            c.history.push(line.clone());
            c.turns
        })
        .await?;
    Ok(Json(turns))
}

/// Pushes a message into the live chat tab the request names.
#[endpoint(ws, method = "POST", path = "/notify")]
pub async fn notify(Json(text): Json<String>) -> chainrs::Result<StatusCode> {
    Message::new(text).send().await?;
    Ok(StatusCode::ACCEPTED)
}

/// What `POST /ask` asks the chat's user.
#[derive(Debug, Deserialize)]
pub struct Question {
    /// The question.
    pub text: String,
    /// How long to wait for the answer, in seconds (default 30).
    #[serde(default)]
    pub timeout: Option<u64>,
}

/// Asks the user of the chat tab the request names, from HTTP, and answers with their reply
/// (`null` when they did not answer in time); with Redis the tab may be on another instance.
#[endpoint(ws, method = "POST", path = "/ask")]
pub async fn ask_user(Json(question): Json<Question>) -> chainrs::Result<Json<Option<String>>> {
    let answer = AskUserMessage::new(question.text)
        .timeout(Duration::from_secs(question.timeout.unwrap_or(30)))
        .send()
        .await?;
    Ok(Json(answer.map(|message| message.content)))
}

/// The session's history, as the chat saw it.
#[endpoint(http, method = "GET", path = "/history")]
pub async fn history(chat: UserSession<Chat>) -> chainrs::Result<Json<Vec<String>>> {
    Ok(Json(chat.get().await?.history))
}

/// `POST /admin/logout/{name}`: the admin ends every login of a user, on every instance.
#[endpoint(http, method = "POST", path = "/admin/logout/{name}")]
pub async fn end_logins(
    Path(name): Path<String>,
    user: User,
    revoker: State<chainrs::Revoker>,
) -> chainrs::Result<StatusCode> {
    if user.identifier != "admin" {
        return Err(chainrs::Error::Forbidden(
            "only admin may end other users' logins".to_owned(),
        ));
    }
    revoker.revoke_user(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The app with every handler registered.
pub fn app() -> App {
    let app = App::new();
    let revoker = app.revoker();
    app.name("hello")
        .with_state(revoker)
        // With a data layer (main.rs sets one), threads can be shared by link.
        .thread_sharing()
        .register(end_logins)
        .register(login)
        .register(start)
        .register(resume)
        .register(rated)
        .register(reply)
        .register(wave)
        .register(settings_changed)
        .chat_settings::<Tuning>()
        .register(profiles)
        .register(starters)
        .register(starter_groups)
        .register(from_window)
        .register(history)
        .register(add_history)
        .register(notify)
        .register(ask_user)
        // Files attached in the composer reach `reply` as `msg.elements`.
        .file_upload(FileUpload::new().max_size_mb(20))
        // The conversation, for `/recap` (an LLM app hands it to its model).
        .chat_context()
        // Without CHAINRS_AUTH_SECRET, sign logins with a throwaway secret (and say so loudly)
        // so `cargo run -p hello` works with no set-up; set the secret in production.
        .dev_mode(true)
}
