//! `App`: the builder users register handlers on, and what it builds: the sessions, the tabs,
//! the login and the routes. Registration is explicit and typed; there is no global registry.

mod output;
mod registry;
mod test_client;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use crate::auth::Auth;
use crate::config;
use crate::context::StateMap;
use crate::data::DataLayer;
use crate::error::{Error, Result};
use crate::extract::kind;
use crate::files::{DiskStore, FileStore};
use crate::server::{Parts, Server};
#[cfg(feature = "redis")]
use crate::session::RedisStore;
use crate::session::{MemoryStore, SessionStore, Sessions};
use crate::tab::Tabs;

pub use crate::config::{Config, FileUpload, Overlap, Secret, Transports, UiConfig};
pub use output::{EndpointOutput, HookOutput};
pub use registry::{EndpointKind, HandlerInfo, HookKind, Registry};

/// A value produced by a chainrs attribute macro: it knows how to register itself on an [`App`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a chainrs handler",
    label = "expected a function annotated with a chainrs attribute",
    note = "annotate the function with a chainrs attribute: #[on_chat_start], #[on_message], #[on_chat_end], #[on_chat_resume], #[on_feedback], #[on_stop], #[on_settings_update], #[on_settings_edit], #[on_window_message], #[on_disconnect], #[action_callback(\"name\")], #[password_auth_callback], #[header_auth_callback], #[on_logout], #[on_shared_thread_view], #[set_chat_profiles], #[set_starters], #[set_starter_categories] or #[endpoint(...)]"
)]
pub trait Handler {
    /// Adds the handler to the registry.
    #[doc(hidden)]
    fn install(self, registry: &mut Registry);
}

/// A handler of kind `K` (`kind::on_message`, …), for the typed registration methods.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a handler of the kind this method registers",
    label = "a handler of another kind",
    note = "each typed method takes one kind: `on_message` an #[on_message] fn, `http_endpoint` an #[endpoint(http, ...)] fn, and so on",
    note = "use the method that matches the function's attribute, or `App::register`, which takes every kind"
)]
pub trait HandlerOf<K>: Handler {}

/// A chainrs application: handlers, shared state, session settings.
///
/// ```no_run
/// use chainrs::prelude::*;
///
/// #[on_message]
/// async fn echo(msg: Message) -> chainrs::Result<()> {
///     Message::new(msg.content).send().await?;
///     Ok(())
/// }
///
/// #[tokio::main]
/// async fn main() -> chainrs::Result<()> {
///     App::new().register(echo).serve("127.0.0.1:8000").await
/// }
/// ```
pub struct App {
    registry: Registry,
    /// Handed out by `App::revoker`, connected when the app is built.
    revoker: crate::server::Revoker,
    config: Config,
    store: Option<Arc<dyn SessionStore>>,
    /// The sessions' files, when the app chose a store (else disk, or Redis with Redis sessions).
    files: Option<Arc<dyn FileStore>>,
    /// Where conversations are kept beyond their sessions, if anywhere.
    data: Option<Arc<dyn DataLayer>>,
    /// The chat settings type (`App::chat_settings`), if any.
    panel: Option<Arc<dyn crate::chat::SettingsPanel>>,
    /// The Redis behind `store`, when it is one: chat events also go across instances.
    #[cfg(feature = "redis")]
    redis: Option<RedisStore>,
    state: StateMap,
}

impl Default for App {
    fn default() -> Self {
        Self::new()
    }
}

/// `App::on_chat_start`, `App::on_message`, …: one typed method per hook of the hook table.
macro_rules! typed_hook_methods {
    ($($variant:ident $attribute:ident,)*) => {
        impl App {
            $(
                #[doc = concat!("Registers the `#[", stringify!($attribute), "]` handler.")]
                #[track_caller]
                pub fn $attribute(self, handler: impl HandlerOf<kind::$attribute>) -> Self {
                    self.register(handler)
                }
            )*
        }
    };
}

hook_table!(typed_hook_methods);

impl App {
    /// An app with no handlers, the in-memory session store and default settings.
    pub fn new() -> Self {
        App {
            registry: Registry::default(),
            revoker: crate::server::Revoker::default(),
            config: Config::default(),
            store: None,
            files: None,
            data: None,
            panel: None,
            #[cfg(feature = "redis")]
            redis: None,
            state: StateMap::default(),
        }
    }

    /// Registers a handler of any kind. A second handler of a once-only kind (two
    /// `#[on_message]`) or a second endpoint on the same method and path is reported,
    /// with both source locations, when the app is built.
    #[track_caller]
    pub fn register<H: Handler>(mut self, handler: H) -> Self {
        self.registry.at = Some(std::panic::Location::caller());
        handler.install(&mut self.registry);
        self
    }

    /// A handle that ends a user's logins once the app serves, on every instance sharing its
    /// store (`revoker.revoke_user("bob").await`). Give it to handlers with
    /// [`App::with_state`] to revoke from an endpoint.
    pub fn revoker(&self) -> crate::server::Revoker {
        self.revoker.clone()
    }

    /// Keys each user must give before chatting (an API key of their own, say), as Chainlit's
    /// `user_env`: the UI asks for them and sends them in the handshake; handlers read them
    /// from `Session::env`. A handshake that lacks one is refused, naming it.
    pub fn user_env<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.user_env = keys.into_iter().map(Into::into).collect();
        self
    }

    /// A stylesheet the front end loads after its own (`"/public/style.css"`), as Chainlit's
    /// `custom_css`.
    pub fn custom_css(mut self, url: impl Into<String>) -> Self {
        self.config.ui.custom_css = Some(url.into());
        self
    }

    /// A script the front end loads (`"/public/script.js"`), as Chainlit's `custom_js`.
    pub fn custom_js(mut self, url: impl Into<String>) -> Self {
        self.config.ui.custom_js = Some(url.into());
        self
    }

    /// Mounts the whole app under `path` (`"/chat"`): the page, the API, the endpoints and
    /// the socket answer under it, and the page is told so; as Chainlit's `--root-path`, for a
    /// proxy that forwards a sub-path. A path that is not a plain URL path fails the build.
    pub fn root_path(mut self, path: impl Into<String>) -> Self {
        self.config.root_path = Some(path.into());
        self
    }

    /// The page's language for every user (`"de-DE"`), instead of each browser's own.
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.config.ui.language = Some(language.into());
        self
    }

    /// The folder of the app's translations (`de-DE.json`, `fr.json`, … in the shape of
    /// Chainlit's translation files): a browser's language is looked up exactly, then its
    /// parent language, then `en-US`; chainrs's own English strings when none is found.
    pub fn translations_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.config.translations_dir = Some(dir.into());
        self
    }

    /// Lets users attach files in the composer, within `rules` (Chainlit's
    /// `features.spontaneous_file_upload`); without it files come only when an
    /// [`AskFileMessage`](crate::AskFileMessage) asks. Uploads reach `#[on_message]` as
    /// [`Message::elements`](crate::Message::elements).
    pub fn file_upload(mut self, rules: FileUpload) -> Self {
        self.config.file_upload = Some(rules);
        self
    }

    /// Keeps the sessions' files (uploads, element content) in `store` instead of the default:
    /// a folder per session under [`files_dir`](Self::files_dir), or Redis when the sessions
    /// are in Redis.
    pub fn file_store(mut self, store: impl FileStore) -> Self {
        self.files = Some(Arc::new(store));
        self
    }

    /// Keeps conversations beyond their sessions in `layer` (a [`SqliteDataLayer`] or a
    /// [`PostgresDataLayer`], or your own): from the user's first message on, every message,
    /// step and element is written there, in order, off the handler's path.
    ///
    /// [`SqliteDataLayer`]: crate::data::SqliteDataLayer
    /// [`PostgresDataLayer`]: crate::data::PostgresDataLayer
    pub fn data_layer(mut self, layer: impl DataLayer) -> Self {
        self.data = Some(Arc::new(layer));
        self
    }

    /// The data layer's database, connected when the app is bound (`CHAINRS_DATABASE_URL`):
    /// `sqlite://chat.db` (created when missing) or `postgres://user@host:5432/db` (Chainlit's
    /// schema, laid out when missing).
    pub fn database_url(mut self, url: impl Into<String>) -> Self {
        self.config.database_url = Some(url.into());
        self
    }

    /// Gives every chat the settings panel of `T` (`#[derive(ChatSettings)]`): sent to each tab
    /// when it starts (with the session's values; a new session starts from `T::default()`),
    /// submitted values checked against `T` (a value that does not fit is refused with an
    /// `error` event and nothing changes) and kept with the session and, with a data layer, in
    /// its thread, so a resumed chat has them back. Hooks read them as `Settings<T>`.
    pub fn chat_settings<T: crate::chat::ChatSettings>(mut self) -> Self {
        self.panel = Some(crate::chat::panel::<T>());
        self
    }

    /// What a chat does with a message that arrives while a hook of its session runs, on
    /// whichever instance: wait its turn ([`Overlap::Enqueue`], the default), be refused
    /// ([`Overlap::Reject`]) or stop what runs ([`Overlap::Interrupt`]). `CHAINRS_OVERLAP`
    /// sets it too. With Redis, the two others mark each hook run in Redis (a round trip at its
    /// start and one at its end), so an instance sees the runs of the others.
    pub fn on_overlap(mut self, overlap: Overlap) -> Self {
        self.config.overlap = overlap;
        self
    }

    /// Keeps each session's conversation (user messages, replies, asks) for
    /// [`ChatContext`](crate::ChatContext), Chainlit's `cl.chat_context`: in the session store, so
    /// every instance has it. Off by default, since it costs a store write per message.
    pub fn chat_context(mut self) -> Self {
        self.config.chat_context = true;
        self
    }

    /// Lets users share a thread by link (Chainlit's `features.allow_thread_sharing`), with a
    /// data layer: the owner turns it on with `PUT /project/thread/share`, and anyone with the
    /// link reads it at `GET /project/share/{id}`, without the session's state, settings,
    /// profile and environment. Off by default.
    pub fn thread_sharing(mut self) -> Self {
        self.config.thread_sharing = true;
        self
    }

    /// Where the default file store keeps the sessions' files (`CHAINRS_FILES_DIR`; default
    /// `chainrs-files` in the system's temporary directory), a folder per session.
    pub fn files_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.config.files_dir = Some(dir.into());
        self
    }

    /// The socket transports the server accepts and the page uses (default both): a
    /// WebSocket-only app needs no sticky sessions behind a load balancer.
    pub fn transports(mut self, transports: Transports) -> Self {
        self.config.transports = transports;
        self
    }

    /// The app's public folder (default `public`): `/public/*`, and `favicon.*`,
    /// `logo_light.*` / `logo_dark.*` and `avatars/<name>.*` for the UI.
    pub fn public_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.config.public_dir = Some(dir.into());
        self
    }

    /// Page origins, besides the app's own, that may open the chat socket and send
    /// cookie-authenticated writes (an embedding site: `["https://www.example.com"]`). Requests
    /// with no `Origin` (clients that are not browser pages) and bearer-token calls always pass.
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.allowed_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Registers an `#[action_callback("name")]` (one per action name).
    #[track_caller]
    pub fn action_callback(self, handler: impl HandlerOf<kind::action_callback>) -> Self {
        self.register(handler)
    }

    /// Registers the `#[password_auth_callback]`.
    #[track_caller]
    pub fn password_auth(self, handler: impl HandlerOf<kind::password_auth_callback>) -> Self {
        self.register(handler)
    }

    /// Registers the `#[header_auth_callback]`.
    #[track_caller]
    pub fn header_auth(self, handler: impl HandlerOf<kind::header_auth_callback>) -> Self {
        self.register(handler)
    }

    /// Registers the `#[on_logout]` hook.
    #[track_caller]
    pub fn on_logout(self, handler: impl HandlerOf<kind::on_logout>) -> Self {
        self.register(handler)
    }

    /// Registers the `#[on_shared_thread_view]` check.
    #[track_caller]
    pub fn on_shared_thread_view(
        self,
        handler: impl HandlerOf<kind::on_shared_thread_view>,
    ) -> Self {
        self.register(handler)
    }

    /// Registers the `#[set_starters]` callback.
    #[track_caller]
    pub fn set_starters(self, handler: impl HandlerOf<kind::set_starters>) -> Self {
        self.register(handler)
    }

    /// Registers the `#[set_chat_profiles]` callback.
    #[track_caller]
    pub fn set_chat_profiles(self, handler: impl HandlerOf<kind::set_chat_profiles>) -> Self {
        self.register(handler)
    }

    /// Registers the `#[set_starter_categories]` callback.
    #[track_caller]
    pub fn set_starter_categories(
        self,
        handler: impl HandlerOf<kind::set_starter_categories>,
    ) -> Self {
        self.register(handler)
    }

    /// Registers an `#[endpoint(http, ...)]`.
    #[track_caller]
    pub fn http_endpoint(self, handler: impl HandlerOf<kind::http>) -> Self {
        self.register(handler)
    }

    /// Registers an `#[endpoint(ws, ...)]`.
    #[track_caller]
    pub fn ws_endpoint(self, handler: impl HandlerOf<kind::ws>) -> Self {
        self.register(handler)
    }

    /// Shares `value` with every handler as `State<T>` (one value per type).
    pub fn with_state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state.insert(value);
        self
    }

    /// Keeps sessions in Redis at `url` (`redis://host:port/db`), so several instances share
    /// them; connected when the app binds. `CHAINRS_REDIS_URL` does the same from the environment,
    /// and `CHAINRS_REDIS_PREFIX` sets the key prefix (default `chainrs:<app name>:`).
    #[cfg(feature = "redis")]
    pub fn redis(mut self, url: impl Into<String>) -> Self {
        self.config.redis_url = Some(url.into());
        self
    }

    /// Keeps sessions in this Redis store and relays chat events through it, so an
    /// `#[endpoint(ws)]` or action landing on one instance reaches a tab connected to another.
    #[cfg(feature = "redis")]
    pub fn redis_store(mut self, store: RedisStore) -> Self {
        self.store = Some(Arc::new(store.clone()));
        self.redis = Some(store);
        self
    }

    /// Uses `store` for sessions instead of process memory.
    pub fn session_store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// How long the hooks running when the server is told to stop get to finish before they
    /// are stopped, each tab told why (default 30 s; `CHAINRS_SHUTDOWN_GRACE` in seconds).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.config.shutdown_grace = grace;
        self
    }

    /// How long a session lives after its last activity (default one hour).
    pub fn session_timeout(mut self, timeout: Duration) -> Self {
        self.config.session_timeout = timeout;
        self
    }

    /// The secret login tokens are signed with (prefer `CHAINRS_AUTH_SECRET`, which `serve` reads).
    pub fn auth_secret(mut self, secret: impl Into<String>) -> Self {
        self.config.auth_secret = Some(Secret::new(secret));
        self
    }

    /// Turns development mode on or off (see [`Config::dev_mode`]). The examples turn it on so
    /// `cargo run` works with no set-up.
    pub fn dev_mode(mut self, on: bool) -> Self {
        self.config.dev_mode = on;
        self
    }

    /// Lets anonymous users chat and call endpoints too, while the login callbacks stay
    /// available: handlers take `Option<User>`. A session stays with whoever created it.
    pub fn optional_login(mut self) -> Self {
        self.config.require_login = false;
        self
    }

    /// How long a login token is valid (default 15 days).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.token_lifetime = lifetime;
        self
    }

    /// The app's name, shown by the chat page (default "Assistant").
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.config.ui.name = name.into();
        self
    }

    /// A one-line description, shown by the chat page.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.config.ui.description = description.into();
        self
    }

    /// Serves a built single-page app from `dir` instead of the embedded chat page: its files
    /// at their paths, its `index.html` for every other page route. Endpoints keep priority.
    pub fn frontend_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.config.frontend = crate::ui::Frontend::Folder(dir.into());
        self
    }

    /// Serves no page at all (an API-only app); the socket and REST routes stay.
    pub fn without_page(mut self) -> Self {
        self.config.frontend = crate::ui::Frontend::None;
        self
    }

    /// Replaces the whole configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The configuration as it stands.
    pub fn current_config(&self) -> &Config {
        &self.config
    }

    /// Applies `CHAINRS_*` environment overrides (see [`Config::apply_env`]).
    pub fn with_env(mut self) -> Result<Self> {
        self.config.apply_env(|k| std::env::var(k).ok())?;
        Ok(self)
    }

    /// Checks the registrations and builds the app's parts: sessions, tabs, login, routes.
    pub(crate) fn build(self) -> Result<Parts> {
        let App {
            registry,
            revoker,
            config,
            store,
            files,
            data,
            panel,
            #[cfg(feature = "redis")]
            redis,
            state,
        } = self;
        let mut config = config;
        if config.session_timeout.is_zero() {
            return Err(Error::Config(
                "session_timeout must be longer than zero".to_owned(),
            ));
        }
        if let Some(raw) = config.root_path.take() {
            config.root_path = crate::config::root_path(&raw)?;
        }
        if let Some(language) = &config.ui.language
            && !crate::ui::is_language_tag(language)
        {
            return Err(Error::Config(format!(
                "ui language {language:?} is not a language tag such as en-US or de-DE"
            )));
        }
        let parts = registry.finish()?;
        let tokens = if parts.password.is_some() || parts.header.is_some() {
            Some(login_tokens(&config)?)
        } else {
            None
        };
        let auth = Auth::new(
            parts.password,
            parts.header,
            parts.logout,
            tokens,
            config.require_login,
            crate::auth::Origins::new(
                config.allowed_origins.iter().map(String::as_str),
                config.public_url.as_deref(),
            ),
            crate::auth::LoginLimits {
                per_user: config.login_attempts_per_user,
                per_address: config.login_attempts_per_address,
                window: config.login_window,
            },
        );
        let store = store.unwrap_or_else(|| Arc::new(MemoryStore::new()));
        let sessions = Arc::new(Sessions::new(store, config.session_timeout));
        #[cfg(feature = "redis")]
        let files = files.or_else(|| {
            redis
                .as_ref()
                .map(|r| Arc::new(crate::files::RedisFileStore::new(r)) as Arc<dyn FileStore>)
        });
        let files = files.unwrap_or_else(|| {
            let dir = config.files_dir.clone();
            Arc::new(dir.map_or_else(crate::files::default_store, DiskStore::new))
        });
        let record = match data {
            Some(layer) => {
                if tokio::runtime::Handle::try_current().is_err() {
                    return Err(Error::Config(
                        "an app with a data layer writes from a tokio task: build it inside a tokio runtime"
                            .to_owned(),
                    ));
                }
                let record =
                    crate::tab::Record::start(layer, files.clone(), config.root_path.as_deref());
                sessions.observe_state(record.clone());
                Some(record)
            }
            None => {
                if config.database_url.is_some() {
                    return Err(Error::Config(
                        "CHAINRS_DATABASE_URL is connected when the app is bound (bind or serve); \
                         to build it without binding, pass the layer with App::data_layer"
                            .to_owned(),
                    ));
                }
                None
            }
        };
        let tabs = Tabs::new(
            sessions,
            parts.hooks,
            Arc::new(state),
            files,
            record,
            crate::tab::TabSettings {
                max_message_bytes: config.max_message_bytes,
                max_attachments: config.file_upload.as_ref().map(|u| u.max_files as usize),
                chat_context: config.chat_context,
                panel,
                profiles: parts.profiles,
                overlap: config.overlap,
            },
            #[cfg(feature = "redis")]
            redis.map(|redis| crate::tab::Relay::new(&redis)),
        );
        let auth = Arc::new(auth);
        revoker.attach(tabs.clone(), auth.clone());
        Ok(Parts {
            tabs,
            auth,
            config,
            endpoints: parts.endpoints,
            shared_view: parts.shared_view,
            starters: parts.starters,
            starter_categories: parts.starter_categories,
        })
    }

    /// The app as an axum router, to mount inside an existing axum app
    /// (`Router::new().merge(app.into_router()?)`). Call it inside a tokio runtime: it
    /// starts the task that sweeps expired sessions, which ends when the router is dropped.
    pub fn into_router<S: Clone + Send + Sync + 'static>(self) -> Result<Router<S>> {
        crate::server::router(self.build()?)
    }

    /// Binds `addr` exactly as given (no environment overrides): for tests and embedding.
    /// With [`App::redis`] (or `CHAINRS_REDIS_URL`) and no other store, it connects to Redis
    /// first and fails, saying so, when Redis does not answer.
    pub async fn bind(mut self, addr: &str) -> Result<Server> {
        if self.store.is_none() {
            if let Some(url) = self.config.redis_url.clone() {
                let prefix = self.config.redis_prefix.clone().unwrap_or_else(|| {
                    format!(
                        "chainrs:{}:",
                        self.config.ui.name.to_lowercase().replace(' ', "-")
                    )
                });
                self = self.connect_redis(&url, prefix).await?;
            }
        }
        if self.data.is_none()
            && let Some(url) = self.config.database_url.clone()
        {
            let layer = crate::data::connect(&url).await?;
            tracing::info!(target: "chainrs::data", url = %url, "data layer connected");
            self.data = Some(layer);
        }
        Server::bind(self.build()?, addr).await
    }

    #[cfg(feature = "redis")]
    async fn connect_redis(self, url: &str, prefix: String) -> Result<Self> {
        let store = RedisStore::connect(url, prefix).await?;
        Ok(self.redis_store(store))
    }

    #[cfg(not(feature = "redis"))]
    async fn connect_redis(self, _url: &str, _prefix: String) -> Result<Self> {
        Err(Error::Config(
            "CHAINRS_REDIS_URL is set, but this app was built without Redis support: enable the `redis` feature of chainrs (`chainrs = { version = \"…\", features = [\"redis\"] }`) or unset CHAINRS_REDIS_URL".to_owned(),
        ))
    }

    /// Serves the app on `addr` until Ctrl-C or SIGTERM, after applying `CHAINRS_*` environment
    /// overrides (see the README's configuration section).
    pub async fn serve(self, addr: &str) -> Result<()> {
        let addr = config::address_with_env(addr, |k| std::env::var(k).ok())?;
        let server = self.with_env()?.bind(&addr).await?;
        server.run().await
    }
}

/// The token keys of a login app: from the configured secret, or ephemeral in development mode.
fn login_tokens(config: &Config) -> Result<crate::auth::token::Tokens> {
    use crate::auth::token::{MAKE_A_SECRET, Tokens};
    match &config.auth_secret {
        Some(secret) => Tokens::new(secret.0.as_bytes(), config.token_lifetime),
        None if config.dev_mode => {
            tracing::warn!(
                target: "chainrs::auth",
                "DEVELOPMENT MODE: no CHAINRS_AUTH_SECRET is set, so login tokens are signed with a \
                 secret made for this process only; every login ends when it restarts. Set one for \
                 production: {MAKE_A_SECRET}"
            );
            Tokens::ephemeral(config.token_lifetime)
        }
        None => Err(Error::Config(format!(
            "this app has a login callback, so it signs login tokens and needs a secret: set \
             CHAINRS_AUTH_SECRET (at least 32 random bytes), e.g. {MAKE_A_SECRET} \
             (or App::auth_secret; App::dev_mode(true) makes a throwaway one for development)"
        ))),
    }
}

#[cfg(all(test, not(feature = "redis")))]
mod without_redis {
    use super::*;

    #[tokio::test]
    async fn a_redis_url_without_the_feature_refuses_to_start_naming_it() {
        let config = Config {
            redis_url: Some("redis://127.0.0.1:6379/".to_owned()),
            ..Config::default()
        };
        let err = match App::new().config(config).bind("127.0.0.1:0").await {
            Ok(_) => panic!("started without the redis feature"),
            Err(err) => err.to_string(),
        };
        assert!(err.contains("CHAINRS_REDIS_URL"), "{err}");
        assert!(err.contains("`redis` feature"), "{err}");
    }
}

#[cfg(test)]
mod handler_note {
    use crate::tab::HookKind;

    /// The note of `Handler`'s `on_unimplemented` is a literal (attributes take no macros), so
    /// this keeps it in step with the hook table.
    #[test]
    fn the_not_a_handler_note_names_every_attribute() {
        let source = include_str!("mod.rs");
        let note = source
            .lines()
            .find(|line| line.contains("note = \"annotate the function"))
            .expect("Handler has its note");
        let others = [
            "action_callback(\\\"name\\\")",
            "password_auth_callback",
            "header_auth_callback",
            "on_logout",
            "endpoint(...)",
        ];
        let hooks = HookKind::ALL.iter().map(|k| k.name());
        for attribute in hooks.chain(others) {
            assert!(
                note.contains(&format!("#[{attribute}]")),
                "the note does not name #[{attribute}]: {note}"
            );
        }
    }
}
