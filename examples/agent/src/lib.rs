//! The agent scenario Chainlit users ask for: (1) log in through the password callback,
//! (2) an endpoint that builds a per-user agent for the session, (3) an endpoint that runs it
//! on that same session. The agent's settings live in `UserSession` (shared, serializable);
//! the agent object itself, with its non-serializable tools, lives in `Local<Agent>` and is
//! rebuilt from the settings on an instance that lacks it. The chat tab uses the same agent.

use chainrs::prelude::*;

/// A tool the agent can apply to a task: plain code, not serializable.
pub type Tool = Box<dyn Fn(&str) -> String + Send + Sync>;

/// What the session remembers about its agent (serializable, shared by all instances).
#[derive(SessionState, Debug, Default, Clone, Serialize, Deserialize)]
pub struct AgentSettings {
    /// Whose agent it is.
    pub owner: Option<String>,
    /// The tools it applies, by name, in order.
    pub tools: Vec<String>,
    /// How many runs it did.
    pub runs: u32,
}

/// The live agent: its tools as code.
pub struct Agent {
    owner: String,
    tools: Vec<(String, Tool)>,
}

impl Agent {
    /// Builds an agent from its settings; unknown tool names are an error.
    pub fn build(settings: &AgentSettings) -> Result<Agent, String> {
        let owner = settings
            .owner
            .clone()
            .ok_or("the agent is not initialized: POST /agent/init first")?;
        let tools = settings
            .tools
            .iter()
            .map(|name| tool(name).map(|t| (name.clone(), t)))
            .collect::<Result<_, _>>()?;
        Ok(Agent { owner, tools })
    }

    /// Runs the task through every tool.
    pub fn run(&self, task: &str) -> String {
        let out = self
            .tools
            .iter()
            .fold(task.to_owned(), |acc, (_, tool)| tool(&acc));
        format!("{}'s agent: {out}", self.owner)
    }
}

fn tool(name: &str) -> Result<Tool, String> {
    Ok(match name {
        "upper" => Box::new(|s: &str| s.to_uppercase()),
        "reverse" => Box::new(|s: &str| s.chars().rev().collect()),
        "count" => Box::new(|s: &str| format!("{s} ({} words)", s.split_whitespace().count())),
        other => {
            return Err(format!(
                "unknown tool {other:?}: use upper, reverse or count"
            ));
        }
    })
}

/// Accepts alice/wonderland and bob/builder.
#[password_auth_callback]
pub async fn login(username: String, password: String) -> Option<User> {
    let ok = matches!(
        (username.as_str(), password.as_str()),
        ("alice", "wonderland") | ("bob", "builder")
    );
    ok.then(|| User::new(username))
}

/// The body of `POST /agent/init`.
#[derive(Debug, Deserialize, Serialize)]
pub struct InitRequest {
    /// Tool names, applied in order.
    pub tools: Vec<String>,
}

/// The body of `POST /agent/run`.
#[derive(Debug, Deserialize, Serialize)]
pub struct RunRequest {
    /// What to do.
    pub task: String,
}

/// The answer of `POST /agent/run`.
#[derive(Debug, Deserialize, Serialize, PartialEq)]
pub struct RunResponse {
    /// The agent's output.
    pub output: String,
    /// How many runs this session's agent has done.
    pub runs: u32,
}

/// (2) Builds the user's agent for this session.
#[endpoint(http, method = "POST", path = "/agent/init")]
pub async fn init(
    user: User,
    settings: UserSession<AgentSettings>,
    agent: Local<Agent>,
    Json(req): Json<InitRequest>,
) -> chainrs::Result<(StatusCode, Json<chainrs::serde_json::Value>)> {
    let wanted = AgentSettings {
        owner: Some(user.identifier.clone()),
        tools: req.tools,
        runs: 0,
    };
    let built = match Agent::build(&wanted) {
        Ok(a) => a,
        Err(e) => {
            let body = chainrs::serde_json::json!({ "error": e });
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)));
        }
    };
    settings.set(wanted.clone()).await?;
    agent.set(built);
    let body = chainrs::serde_json::json!({ "owner": user.identifier, "tools": wanted.tools });
    Ok((StatusCode::CREATED, Json(body)))
}

/// (3) Runs the session's agent, rebuilding it from the settings if this instance has none.
#[endpoint(http, method = "POST", path = "/agent/run")]
pub async fn run(
    settings: UserSession<AgentSettings>,
    agent: Local<Agent>,
    Json(req): Json<RunRequest>,
) -> chainrs::Result<Json<RunResponse>> {
    let agent = agent
        .get_or_try_init(|| async {
            let saved = settings.get().await?;
            Agent::build(&saved).map_err(chainrs::Error::BadRequest)
        })
        .await?;
    let output = agent.run(&req.task);
    let runs = settings.update(|s| {
        s.runs += 1;
        s.runs
    });
    Ok(Json(RunResponse {
        output,
        runs: runs.await?,
    }))
}

/// The chat tab runs the same agent on the same session.
#[on_message]
pub async fn chat(
    msg: Message,
    settings: UserSession<AgentSettings>,
    agent: Local<Agent>,
) -> chainrs::Result<()> {
    let agent = agent
        .get_or_try_init(|| async {
            let saved = settings.get().await?;
            Agent::build(&saved).map_err(chainrs::Error::BadRequest)
        })
        .await?;
    let reply = agent.run(&msg.content);
    settings.update(|s| s.runs += 1).await?;
    Message::new(reply).send().await?;
    Ok(())
}

/// The app with every handler registered.
pub fn app() -> App {
    App::new()
        .register(login)
        .register(init)
        .register(run)
        .register(chat)
        // A throwaway token secret when CHAINRS_AUTH_SECRET is not set (see hello).
        .dev_mode(true)
}
