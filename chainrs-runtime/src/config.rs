//! Settings: code sets them with the builder, `serve` lets `CHAINRS_*` variables override them.
//! Bad values are errors that name the variable, never silent defaults.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::protocol::Accept;

/// Settings of an app.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// How long a session lives after its last activity (`CHAINRS_SESSION_TIMEOUT`, seconds). Default 3,600 s.
    pub session_timeout: Duration,
    /// How often expired sessions are swept; default a tenth of the timeout, between 1 s and 60 s.
    pub sweep_interval: Option<Duration>,
    /// What a chat does with a message that arrives while a hook of its session runs
    /// (`CHAINRS_OVERLAP`: `enqueue`, `reject` or `interrupt`). Default [`Overlap::Enqueue`].
    pub overlap: Overlap,
    /// How long the hooks running at shutdown get to finish before they are stopped
    /// (`CHAINRS_SHUTDOWN_GRACE`, whole seconds; 0 stops them at once). Default 30 s.
    pub shutdown_grace: Duration,
    /// The largest Socket.IO packet a client may send, in bytes; a bigger one closes that
    /// client's connection. Default 1,000,000 (Chainlit's).
    pub max_payload: u64,
    /// The longest chat message accepted, in bytes; a longer one gets an `error` event. Default 200,000.
    pub max_message_bytes: usize,
    /// The secret login tokens are signed with (`CHAINRS_AUTH_SECRET`, at least 32 bytes).
    /// Required when a login callback is registered, except in development mode.
    pub auth_secret: Option<Secret>,
    /// Development mode (`CHAINRS_DEV=1|0`; default: on in debug builds): without an auth
    /// secret, a login app makes an ephemeral one and warns instead of refusing to start.
    pub dev_mode: bool,
    /// With a login callback: whether every chat and endpoint needs a login (default), or
    /// anonymous users may chat too (`App::optional_login`; handlers take `Option<User>`).
    pub require_login: bool,
    /// How long a login token is valid (`CHAINRS_TOKEN_LIFETIME`, seconds). Default 15 days.
    pub token_lifetime: Duration,
    /// Redis to keep sessions in (`CHAINRS_REDIS_URL`), when no store is given.
    pub redis_url: Option<String>,
    /// The key prefix in Redis (`CHAINRS_REDIS_PREFIX`; default `chainrs:<app name>:`).
    pub redis_prefix: Option<String>,
    /// How long a connection may take to send a request's headers, and may stay idle between
    /// requests, before it is closed (`CHAINRS_HEADER_TIMEOUT`, seconds). Default 10 s.
    pub header_read_timeout: Duration,
    /// The most connections served at once; more are answered 503 and closed
    /// (`CHAINRS_MAX_CONNECTIONS`). Default 10,000, lowered to fit the file-descriptor limit.
    pub max_connections: usize,
    /// The most connections served at once from one client address
    /// (`CHAINRS_MAX_CONNECTIONS_PER_ADDRESS`). Default 512; raise it behind a reverse proxy,
    /// where every client has the proxy's address.
    pub max_connections_per_address: usize,
    /// The largest request body an HTTP route accepts, in bytes; a bigger one is answered 413
    /// (`CHAINRS_MAX_BODY_BYTES`). Default 2 MiB. The socket has its own `max_payload`.
    pub max_body_bytes: usize,
    /// How often the server pings each chat socket (`CHAINRS_PING_INTERVAL`, seconds). Default
    /// 25 s, as Socket.IO's.
    pub ping_interval: Duration,
    /// How long a socket may leave a ping unanswered before it is closed (`CHAINRS_PING_TIMEOUT`,
    /// seconds): a tab that stopped reading, or a polling session that stopped polling. Default 20 s.
    pub ping_timeout: Duration,
    /// Page origins, besides the app's own, that may open the chat socket and send
    /// cookie-authenticated writes (`CHAINRS_ALLOWED_ORIGINS`, comma-separated), as
    /// `https://host[:port]`. Default none.
    pub allowed_origins: Vec<String>,
    /// The URL users reach the app at, when a proxy serves it under another Host
    /// (`CHAINRS_URL`); its origin is allowed too.
    pub public_url: Option<String>,
    /// Failed logins a user name may have in hand (a token bucket, refilled evenly over
    /// `login_window`) before `POST /login` answers 429 (`CHAINRS_LOGIN_ATTEMPTS_PER_USER`).
    /// Default 10.
    pub login_attempts_per_user: u32,
    /// Failed logins a client address may have in hand, likewise
    /// (`CHAINRS_LOGIN_ATTEMPTS_PER_ADDRESS`). Default 50.
    pub login_attempts_per_address: u32,
    /// How long an emptied failed-login bucket takes to refill (`CHAINRS_LOGIN_WINDOW`,
    /// seconds). Default 300 s.
    pub login_window: Duration,
    /// The app's public folder (`CHAINRS_PUBLIC_DIR`; default `public` in the working directory):
    /// `/public/*`, and the favicon, logos and avatars it holds.
    pub public_dir: Option<PathBuf>,
    /// The app's translation folder (`CHAINRS_TRANSLATIONS_DIR`; default none): `<language>.json`
    /// files in the shape of Chainlit's, looked up exact language, then its parent, then `en-US`;
    /// chainrs's own English strings when the folder has none.
    pub translations_dir: Option<PathBuf>,
    /// The path the whole app is mounted under (`CHAINRS_ROOT_PATH`, e.g. `/chat`; default none):
    /// the page, the API and the socket all answer under it, as behind a proxy that forwards a
    /// sub-path. Written with a leading `/` and no trailing one.
    pub root_path: Option<String>,
    /// The socket transports the server accepts and the page is told to use (Chainlit's
    /// `project.transports`; default both).
    pub transports: Transports,
    /// Keys each user must give in the page's environment form before chatting (Chainlit's
    /// `user_env`): listed in `/project/settings`; a handshake whose `userEnv` lacks one is refused.
    pub user_env: Vec<String>,
    /// What users may upload in the composer (Chainlit's `features.spontaneous_file_upload`);
    /// none: uploads only answer an `AskFileMessage`.
    pub file_upload: Option<FileUpload>,
    /// Where the default file store keeps session files (`CHAINRS_FILES_DIR`; default
    /// `chainrs-files` in the system's temporary directory), a folder per session.
    pub files_dir: Option<PathBuf>,
    /// The data layer's database (`CHAINRS_DATABASE_URL`: `sqlite://chat.db` or
    /// `postgres://…`; default none): conversations kept beyond their sessions.
    pub database_url: Option<String>,
    /// Whether each session's conversation is kept for `ChatContext` (`App::chat_context`;
    /// default off: it costs a session store write per message).
    pub chat_context: bool,
    /// Whether users may share their threads by link (`App::thread_sharing`; needs a data
    /// layer): `PUT /project/thread/share`, then `GET /project/share/{id}` for anyone.
    pub thread_sharing: bool,
    /// How the chat page presents the app.
    pub ui: UiConfig,
    /// Which page is served at `/` (`CHAINRS_FRONTEND_DIR` names a built front-end folder, such
    /// as Chainlit's own UI).
    pub frontend: Frontend,
}

/// The files an upload takes: their types, their size, how many. The defaults are
/// Chainlit's: any type, up to 500 MB each, 20 at a time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileUpload {
    /// The types it takes.
    pub accept: Accept,
    /// How many files one message (or one ask) takes.
    pub max_files: u32,
    /// The largest file, in MB (MiB, as Chainlit counts them).
    pub max_size_mb: u32,
}

impl Default for FileUpload {
    fn default() -> Self {
        FileUpload {
            accept: Accept::default(),
            max_files: 20,
            max_size_mb: 500,
        }
    }
}

impl FileUpload {
    /// Chainlit's defaults: any type, up to 500 MB each, 20 at a time.
    pub fn new() -> Self {
        FileUpload::default()
    }

    /// The types it takes.
    pub fn accept(mut self, accept: Accept) -> Self {
        self.accept = accept;
        self
    }

    /// How many files at a time.
    pub fn max_files(mut self, max_files: u32) -> Self {
        self.max_files = max_files;
        self
    }

    /// The largest file, in MB.
    pub fn max_size_mb(mut self, max_size_mb: u32) -> Self {
        self.max_size_mb = max_size_mb;
        self
    }

    /// The largest file, in bytes.
    pub(crate) fn max_bytes(&self) -> u64 {
        u64::from(self.max_size_mb) * 1024 * 1024
    }
}

/// Which front end an app serves.
#[derive(Clone, Debug, Default)]
pub enum Frontend {
    /// chainrs's embedded chat page.
    #[default]
    Embedded,
    /// A built single-page app: files from this folder, `index.html` for every other page route.
    Folder(PathBuf),
    /// No page at all (an API-only app).
    None,
}

/// Which Socket.IO transports an app accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transports {
    /// HTTP long-polling, upgraded to a WebSocket when the client can (the default).
    #[default]
    Both,
    /// WebSocket only: what to pick behind a load balancer without sticky sessions.
    WebSocket,
    /// HTTP long-polling only: for networks that block WebSockets.
    Polling,
}

impl Transports {
    /// The names the page is told (`window.transports`), or none when both are allowed.
    pub(crate) fn names(self) -> Option<&'static [&'static str]> {
        match self {
            Transports::Both => None,
            Transports::WebSocket => Some(&["websocket"]),
            Transports::Polling => Some(&["polling"]),
        }
    }
}

/// `raw` as a root path: `/` and empty mean none; otherwise one leading `/`, no trailing one,
/// and only characters a URL path segment may hold without escaping.
pub(crate) fn root_path(raw: &str) -> Result<Option<String>> {
    let trimmed = raw.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(None);
    }
    let fits = trimmed.starts_with('/')
        && !trimmed.contains("//")
        && trimmed.split('/').skip(1).all(|segment| {
            segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        });
    if fits {
        Ok(Some(trimmed.to_owned()))
    } else {
        Err(Error::Config(format!(
            "root path {raw:?} is not a plain URL path: write it as /chat or /apps/chat (letters, digits, - . _ ~)"
        )))
    }
}

/// A secret value: shown as `Secret(..)` in debug output and logs.
#[derive(Clone)]
pub struct Secret(pub(crate) String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// How the chat page presents the app (`GET /auth/config`, `GET /project/settings`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct UiConfig {
    /// The app's name (default "Assistant").
    pub name: String,
    /// A one-line description.
    pub description: String,
    /// `"light"` or `"dark"`: the theme before the user's system preference applies (default "dark").
    pub default_theme: String,
    /// A stylesheet the front end loads after its own (a URL, e.g. `/public/style.css`).
    pub custom_css: Option<String>,
    /// A script the front end loads (a URL, e.g. `/public/script.js`).
    pub custom_js: Option<String>,
    /// The page's language for every user (a tag such as `de-DE`), instead of each browser's.
    pub language: Option<String>,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            name: "Assistant".to_owned(),
            description: String::new(),
            default_theme: "dark".to_owned(),
            custom_css: None,
            custom_js: None,
            language: None,
        }
    }
}

/// What a chat does with a user message that arrives while a hook of the same session runs
/// (a second message typed before the reply ended, another tab of the session, an API client),
/// on whichever instance the message lands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Overlap {
    /// The message waits its turn and runs after what runs now (the default).
    #[default]
    Enqueue,
    /// The message is refused: the tab gets an `error` event and a toast saying to wait or
    /// stop; nothing runs for it.
    Reject,
    /// What runs is stopped, as the stop button stops it ("Task manually stopped.",
    /// `#[on_stop]`, `task_end`), then the message runs.
    Interrupt,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            session_timeout: Duration::from_secs(3600),
            sweep_interval: None,
            shutdown_grace: Duration::from_secs(30),
            overlap: Overlap::Enqueue,
            max_payload: 1_000_000,
            max_message_bytes: 200_000,
            auth_secret: None,
            dev_mode: cfg!(debug_assertions),
            require_login: true,
            token_lifetime: Duration::from_secs(15 * 24 * 3600),
            redis_url: None,
            redis_prefix: None,
            header_read_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            max_connections_per_address: 512,
            max_body_bytes: 2 * 1024 * 1024,
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            allowed_origins: Vec::new(),
            public_url: None,
            login_attempts_per_user: 10,
            login_attempts_per_address: 50,
            login_window: Duration::from_secs(300),
            public_dir: Some(PathBuf::from("public")),
            translations_dir: None,
            root_path: None,
            transports: Transports::default(),
            user_env: Vec::new(),
            file_upload: None,
            files_dir: None,
            chat_context: false,
            thread_sharing: false,
            database_url: None,
            ui: UiConfig::default(),
            frontend: Frontend::default(),
        }
    }
}

impl Config {
    /// The sweep interval in force.
    pub fn sweep_interval(&self) -> Duration {
        self.sweep_interval.unwrap_or_else(|| {
            (self.session_timeout / 10).clamp(Duration::from_secs(1), Duration::from_secs(60))
        })
    }

    /// Applies overrides from an environment (`lookup` is `std::env::var` in `serve`).
    pub fn apply_env(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(timeout) = seconds(&lookup, "CHAINRS_SESSION_TIMEOUT")? {
            self.session_timeout = timeout;
        }
        if let Some(raw) = lookup("CHAINRS_OVERLAP") {
            self.overlap = match raw.trim().to_ascii_lowercase().as_str() {
                "enqueue" => Overlap::Enqueue,
                "reject" => Overlap::Reject,
                "interrupt" => Overlap::Interrupt,
                _ => {
                    return Err(Error::Config(format!(
                        "CHAINRS_OVERLAP must be enqueue, reject or interrupt, got {raw:?}"
                    )));
                }
            };
        }
        if let Some(raw) = lookup("CHAINRS_SHUTDOWN_GRACE") {
            let secs: u64 = raw.trim().parse().map_err(|_| {
                Error::Config(format!(
                    "CHAINRS_SHUTDOWN_GRACE must be a whole number of seconds (0 or more), got {raw:?}"
                ))
            })?;
            self.shutdown_grace = Duration::from_secs(secs);
        }
        if let Some(url) = lookup("CHAINRS_REDIS_URL").filter(|u| !u.trim().is_empty()) {
            self.redis_url = Some(url.trim().to_owned());
        }
        if let Some(prefix) = lookup("CHAINRS_REDIS_PREFIX").filter(|p| !p.is_empty()) {
            self.redis_prefix = Some(prefix);
        }
        if let Some(secret) = lookup("CHAINRS_AUTH_SECRET") {
            self.auth_secret = Some(Secret(secret));
        }
        if let Some(raw) = lookup("CHAINRS_DEV") {
            self.dev_mode = match raw.trim() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" | "" => false,
                _ => {
                    return Err(Error::Config(format!(
                        "CHAINRS_DEV must be 1 or 0 (true/false), got {raw:?}"
                    )));
                }
            };
        }
        if let Some(lifetime) = seconds(&lookup, "CHAINRS_TOKEN_LIFETIME")? {
            self.token_lifetime = lifetime;
        }
        if let Some(timeout) = seconds(&lookup, "CHAINRS_HEADER_TIMEOUT")? {
            self.header_read_timeout = timeout;
        }
        if let Some(n) = count(&lookup, "CHAINRS_MAX_CONNECTIONS")? {
            self.max_connections = n;
        }
        if let Some(n) = count(&lookup, "CHAINRS_MAX_CONNECTIONS_PER_ADDRESS")? {
            self.max_connections_per_address = n;
        }
        if let Some(interval) = seconds(&lookup, "CHAINRS_PING_INTERVAL")? {
            self.ping_interval = interval;
        }
        if let Some(timeout) = seconds(&lookup, "CHAINRS_PING_TIMEOUT")? {
            self.ping_timeout = timeout;
        }
        if let Some(n) = count(&lookup, "CHAINRS_MAX_BODY_BYTES")? {
            self.max_body_bytes = n;
        }
        if let Some(n) = count(&lookup, "CHAINRS_LOGIN_ATTEMPTS_PER_USER")? {
            self.login_attempts_per_user = u32::try_from(n).unwrap_or(u32::MAX);
        }
        if let Some(n) = count(&lookup, "CHAINRS_LOGIN_ATTEMPTS_PER_ADDRESS")? {
            self.login_attempts_per_address = u32::try_from(n).unwrap_or(u32::MAX);
        }
        if let Some(window) = seconds(&lookup, "CHAINRS_LOGIN_WINDOW")? {
            self.login_window = window;
        }
        if let Some(raw) = lookup("CHAINRS_ALLOWED_ORIGINS") {
            self.allowed_origins = raw
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Some(dir) = lookup("CHAINRS_PUBLIC_DIR").filter(|d| !d.trim().is_empty()) {
            self.public_dir = Some(PathBuf::from(dir.trim()));
        }
        if let Some(dir) = lookup("CHAINRS_FRONTEND_DIR").filter(|d| !d.trim().is_empty()) {
            self.frontend = Frontend::Folder(PathBuf::from(dir.trim()));
        }
        if let Some(url) = lookup("CHAINRS_DATABASE_URL").filter(|u| !u.trim().is_empty()) {
            self.database_url = Some(url.trim().to_owned());
        }
        if let Some(dir) = lookup("CHAINRS_FILES_DIR").filter(|d| !d.trim().is_empty()) {
            self.files_dir = Some(PathBuf::from(dir.trim()));
        }
        if let Some(dir) = lookup("CHAINRS_TRANSLATIONS_DIR").filter(|d| !d.trim().is_empty()) {
            self.translations_dir = Some(PathBuf::from(dir.trim()));
        }
        if let Some(raw) = lookup("CHAINRS_ROOT_PATH") {
            self.root_path = root_path(&raw).map_err(|_| {
                Error::Config(format!(
                    "CHAINRS_ROOT_PATH must be a path such as /chat, got {raw:?}"
                ))
            })?;
        }
        if let Some(url) = lookup("CHAINRS_URL").filter(|u| !u.trim().is_empty()) {
            self.public_url = Some(url.trim().to_owned());
        }
        Ok(())
    }
}

/// A whole number above zero from the variable `name`, if it is set.
fn count(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Result<Option<usize>> {
    let Some(raw) = lookup(name) else {
        return Ok(None);
    };
    raw.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .map(Some)
        .ok_or_else(|| {
            Error::Config(format!(
                "{name} must be a whole number above zero, got {raw:?}"
            ))
        })
}

/// A duration in whole seconds above zero from the variable `name`, if it is set.
fn seconds(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Result<Option<Duration>> {
    let Some(raw) = lookup(name) else {
        return Ok(None);
    };
    let secs: u64 = raw.trim().parse().ok().filter(|s| *s > 0).ok_or_else(|| {
        Error::Config(format!(
            "{name} must be a whole number of seconds above zero, got {raw:?}"
        ))
    })?;
    Ok(Some(Duration::from_secs(secs)))
}

/// `addr` with `CHAINRS_HOST` and `CHAINRS_PORT` applied.
pub(crate) fn address_with_env(
    addr: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String> {
    let (host, port) = addr.rsplit_once(':').ok_or_else(|| {
        Error::Config(format!(
            "address {addr:?} has no port: write it as host:port, e.g. 127.0.0.1:8000"
        ))
    })?;
    let host = lookup("CHAINRS_HOST").unwrap_or_else(|| host.to_owned());
    let port = match lookup("CHAINRS_PORT") {
        Some(raw) => raw.trim().parse::<u16>().map_err(|_| {
            Error::Config(format!(
                "CHAINRS_PORT must be a port number from 0 to 65535, got {raw:?}"
            ))
        })?,
        None => port
            .parse::<u16>()
            .map_err(|_| Error::Config(format!("address {addr:?} has no valid port after ':'")))?,
    };
    Ok(format!("{host}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn environment_overrides_the_address() {
        let none: &[(&str, &str)] = &[];
        assert_eq!(
            address_with_env("127.0.0.1:8000", env(none))
                .ok()
                .as_deref(),
            Some("127.0.0.1:8000")
        );
        let port = [("CHAINRS_PORT", "9100")];
        assert_eq!(
            address_with_env("127.0.0.1:8000", env(&port))
                .ok()
                .as_deref(),
            Some("127.0.0.1:9100")
        );
        let host = [("CHAINRS_HOST", "0.0.0.0")];
        assert_eq!(
            address_with_env("127.0.0.1:8000", env(&host))
                .ok()
                .as_deref(),
            Some("0.0.0.0:8000")
        );
    }

    #[test]
    fn the_shutdown_grace_is_whole_seconds_and_may_be_zero() {
        let mut config = Config::default();
        assert_eq!(config.shutdown_grace, Duration::from_secs(30));
        config
            .apply_env(env(&[("CHAINRS_SHUTDOWN_GRACE", "0")]))
            .expect("0 stops the hooks at once");
        assert_eq!(config.shutdown_grace, Duration::ZERO);
        config
            .apply_env(env(&[("CHAINRS_SHUTDOWN_GRACE", " 5 ")]))
            .expect("5 s");
        assert_eq!(config.shutdown_grace, Duration::from_secs(5));
        let err = config
            .apply_env(env(&[("CHAINRS_SHUTDOWN_GRACE", "soon")]))
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("CHAINRS_SHUTDOWN_GRACE") && e.contains("soon")),
            "{err:?}"
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let port = [("CHAINRS_PORT", "eighty")];
        let err = address_with_env("127.0.0.1:8000", env(&port))
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("CHAINRS_PORT") && e.contains("eighty")));
        let mut config = Config::default();
        let timeout = [("CHAINRS_SESSION_TIMEOUT", "-5")];
        let err = config.apply_env(env(&timeout)).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("CHAINRS_SESSION_TIMEOUT")));
        let timeout = [("CHAINRS_SESSION_TIMEOUT", "90")];
        assert!(config.apply_env(env(&timeout)).is_ok());
        assert_eq!(config.session_timeout, Duration::from_secs(90));
        assert!(address_with_env("localhost", env(&[])).is_err());
    }

    #[test]
    fn root_paths_are_normalised_or_refused() {
        assert_eq!(root_path("").ok(), Some(None));
        assert_eq!(root_path("/").ok(), Some(None));
        assert_eq!(root_path("/chat/").ok(), Some(Some("/chat".to_owned())));
        assert_eq!(
            root_path("/apps/v1.2").ok(),
            Some(Some("/apps/v1.2".to_owned()))
        );
        for bad in [
            "chat", "/a//b", "/a/../b", "/{id}", "/*rest", "/a b", "/a?x=1",
        ] {
            assert!(root_path(bad).is_err(), "{bad}");
        }
        let mut config = Config::default();
        assert!(
            config
                .apply_env(env(&[("CHAINRS_ROOT_PATH", "/x/")]))
                .is_ok()
        );
        assert_eq!(config.root_path.as_deref(), Some("/x"));
        let err = config
            .apply_env(env(&[("CHAINRS_ROOT_PATH", "x y")]))
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("CHAINRS_ROOT_PATH")));
    }

    #[test]
    fn connection_limits_come_from_the_environment() {
        let mut config = Config::default();
        let set = [
            ("CHAINRS_HEADER_TIMEOUT", "3"),
            ("CHAINRS_MAX_CONNECTIONS", "100"),
            ("CHAINRS_MAX_CONNECTIONS_PER_ADDRESS", "7"),
            ("CHAINRS_MAX_BODY_BYTES", "1024"),
        ];
        assert!(config.apply_env(env(&set)).is_ok());
        assert_eq!(config.header_read_timeout, Duration::from_secs(3));
        assert_eq!(
            (
                config.max_connections,
                config.max_connections_per_address,
                config.max_body_bytes
            ),
            (100, 7, 1024)
        );
        for (name, bad) in [
            ("CHAINRS_MAX_CONNECTIONS", "0"),
            ("CHAINRS_MAX_BODY_BYTES", "lots"),
        ] {
            let err = config
                .apply_env(env(&[(name, bad)]))
                .err()
                .map(|e| e.to_string());
            assert!(err.is_some_and(|e| e.contains(name)), "{name}={bad}");
        }
    }
}
