//! HTTP serving: the axum router of an app (endpoints, built-in routes, JSON 404), the
//! per-request session context, and the listening `Server` with its session sweeper.

mod assets;
mod endpoint;
mod files;
mod headless;
mod listen;
mod login;
mod project;
mod request;
pub(crate) mod resolve;
mod shutdown;
mod threads;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Weak};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, post, put};
use tokio::net::TcpListener;
use tower::{Layer, ServiceExt};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;

use crate::auth::Auth;
use crate::config::Config;
use crate::error::{Error, Result, contain_panic};
use crate::registered::Registered;
use crate::session::SessionStats;
use crate::tab::Tabs;
use crate::ui::{self, Frontend};

pub use endpoint::EndpointKind;
pub(crate) use endpoint::{EndpointFn, EndpointRoute};
pub(crate) use project::{StarterCategoriesFn, StartersFn};
pub(crate) use resolve::{SESSION_HEADER, resolve_request};
pub(crate) use threads::SharedViewFn;

/// What the HTTP surface serves of a built app: its tabs (and through them its sessions), its
/// login, its settings and its endpoints.
pub(crate) struct Parts {
    pub(crate) tabs: Arc<Tabs>,
    pub(crate) auth: Arc<Auth>,
    pub(crate) config: Config,
    pub(crate) endpoints: Vec<Registered<EndpointRoute>>,
    /// `#[on_shared_thread_view]`, when registered.
    pub(crate) shared_view: Option<Registered<SharedViewFn>>,
    /// `#[set_starters]`, when registered.
    pub(crate) starters: Option<Registered<StartersFn>>,
    /// `#[set_starter_categories]`, when registered.
    pub(crate) starter_categories: Option<Registered<StarterCategoriesFn>>,
}

/// The REST routes chainrs serves itself, as axum handlers of the app's parts.
fn rest_routes() -> [(Method, &'static str, MethodRouter<Arc<Parts>>); 26] {
    [
        (Method::POST, "/login", post(login::login)),
        (Method::POST, "/auth/header", post(login::header)),
        (Method::POST, "/logout", post(login::logout)),
        (Method::GET, "/user", get(login::user)),
        (Method::GET, "/auth/config", get(project::auth_config)),
        (
            Method::GET,
            "/project/settings",
            get(project::project_settings),
        ),
        (
            Method::POST,
            "/set-session-cookie",
            post(project::set_session_cookie),
        ),
        (
            Method::POST,
            "/project/action",
            post(project::project_action),
        ),
        (Method::POST, "/chat/start", post(headless::start)),
        (Method::POST, "/chat/message", post(headless::message)),
        (
            Method::GET,
            "/project/translations",
            get(project::translations),
        ),
        (Method::GET, "/health", get(project::health)),
        (Method::GET, "/favicon", get(assets::favicon)),
        (Method::GET, "/logo", get(assets::logo)),
        (Method::GET, "/avatars/{name}", get(assets::avatar)),
        (Method::GET, "/public/{*path}", get(assets::public)),
        (Method::GET, "/project/file/{id}", get(files::download)),
        (
            Method::PUT,
            "/project/element",
            put(files::element).delete(files::element),
        ),
        (Method::POST, "/project/threads", post(threads::list)),
        (
            Method::PUT,
            "/feedback",
            put(threads::put_feedback).delete(threads::delete_feedback),
        ),
        (Method::GET, "/project/thread/{id}", get(threads::get)),
        (
            Method::PUT,
            "/project/thread",
            put(threads::rename).delete(threads::delete),
        ),
        (
            Method::GET,
            "/project/thread/{thread}/element/{element}",
            get(threads::element),
        ),
        (
            Method::GET,
            "/project/thread/{thread}/file/{element}",
            get(threads::content),
        ),
        (Method::PUT, "/project/thread/share", put(threads::share)),
        (Method::GET, "/project/share/{id}", get(threads::shared)),
    ]
}

/// The upload route, outside the request body limit: it enforces its own, per file, while
/// the upload streams.
const UPLOAD: (Method, &str) = (Method::POST, "/project/file");

/// The other paths chainrs serves (the page and the socket); user endpoints may not take them.
const RESERVED: &[(Method, &str)] = &[
    (Method::GET, "/"),
    (Method::GET, "/_chainrs/{*asset}"),
    (Method::GET, "/ws/socket.io"),
    (Method::GET, "/ws/socket.io/"),
    UPLOAD,
];

/// Builds the router of an app and starts its sweeper when a tokio runtime is running.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(parts: Parts) -> Result<Router<S>> {
    Ok(routed(parts)?.0)
}

/// The router of an app, and the handle of its sockets (to close them at shutdown).
fn routed<S: Clone + Send + Sync + 'static>(
    parts: Parts,
) -> Result<(Router<S>, socketioxide::SocketIo)> {
    let parts = Arc::new(parts);
    let router: Router = app_routes(&parts)?;
    // One Socket.IO service in front of the whole app: `Router::layer` would build one engine
    // per route, and a polling client's requests would land on engines that do not know it.
    let (socket, io) =
        crate::transport::layer(parts.tabs.clone(), parts.auth.clone(), &parts.config);
    let app = socket.layer(router);
    // In front of the socket too: a draining instance refuses new handshakes.
    let app =
        axum::middleware::from_fn_with_state(parts.tabs.clone(), shutdown::refuse_while_draining)
            .layer(app);
    start_sweeper(&parts.tabs, parts.config.sweep_interval());
    let router = match parts.config.root_path.as_deref() {
        None => Router::new().fallback_service(app),
        // Under a root path everything is nested (the socket too); a request outside it is
        // a JSON 404 that says where the app is.
        Some(root) => {
            let root_owned = root.to_owned();
            Router::new()
                .nest_service(root, app)
                .fallback(move |method: Method, uri: Uri| {
                    let root = root_owned.clone();
                    async move {
                        let text = format!(
                            "no route for {method} {}: this app is served under {root}/",
                            uri.path()
                        );
                        (
                            axum::http::StatusCode::NOT_FOUND,
                            crate::error::error_body(&text),
                        )
                            .into_response()
                    }
                })
        }
    };
    Ok((router, io))
}

/// The app's routes: endpoints, built-in REST routes, the page.
fn app_routes(parts: &Arc<Parts>) -> Result<Router> {
    let rest = rest_routes();
    check_paths(&parts.endpoints, rest.iter().map(|(m, p, _)| (m, *p)))?;
    let mut by_path: BTreeMap<&'static str, MethodRouter<Arc<Parts>>> = BTreeMap::new();
    for endpoint in &parts.endpoints {
        let route = endpoint.call.clone();
        let filter = MethodFilter::try_from(route.method.clone()).map_err(|_| {
            Error::Config(format!(
                "endpoint `{}` uses method {}, which chainrs cannot route",
                endpoint.info.name, route.method
            ))
        })?;
        let app = parts.clone();
        let handler = move |req: Request| call_endpoint(app.clone(), route.clone(), req);
        let entry = by_path.remove(route_path(endpoint));
        let method_router = match entry {
            Some(existing) => existing.on(filter, handler),
            None => axum::routing::on(filter, handler),
        };
        by_path.insert(route_path(endpoint), method_router);
    }
    let mut router = Router::new();
    for (path, method_router) in by_path {
        router = router.route(path, method_router);
    }
    for (_, path, method_router) in rest {
        router = router.route(path, method_router);
    }
    let guard = || axum::middleware::from_fn_with_state(parts.clone(), request::same_origin);
    let router = router.layer(guard()).with_state(parts.clone());
    let upload: Router = Router::new()
        .route(UPLOAD.1, post(files::upload))
        // axum's own 2 MB default would cut an upload short of the app's limit.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(guard())
        .with_state(parts.clone());
    Ok(page_routes(router, &parts.config)?
        .layer(RequestBodyLimitLayer::new(parts.config.max_body_bytes))
        .merge(upload))
}

fn route_path(endpoint: &Registered<EndpointRoute>) -> &'static str {
    endpoint.call.path
}

/// Rejects paths axum would refuse or that overlap, before axum would panic on them.
fn check_paths<'a>(
    endpoints: &[Registered<EndpointRoute>],
    rest: impl Iterator<Item = (&'a Method, &'static str)>,
) -> Result<()> {
    let mut matcher = matchit::Router::new();
    let mut errors = Vec::new();
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    let built_in = rest.chain(RESERVED.iter().map(|(method, path)| (method, *path)));
    for (method, path) in built_in {
        seen.insert(path, format!("chainrs's built-in {method} {path}"));
        let _ = matcher.insert(path, ());
    }
    for e in endpoints {
        let path = e.call.path;
        let who = format!("endpoint `{}` ({})", e.info.name, e.info.defined_at);
        if let Some(owner) = seen.get(path) {
            if owner.starts_with("chainrs's built-in") {
                errors.push(format!(
                    "{who} uses {path}, which is {owner}: choose another path"
                ));
            }
            continue;
        }
        if let Err(err) = matcher.insert(path, ()) {
            errors.push(format!("{who}: path {path:?} cannot be routed: {err}"));
            continue;
        }
        seen.insert(path, who);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Config(errors.join("\n  ")))
    }
}

/// The page's routes and the fallback: endpoints are real routes, so they always win over the
/// page; an unmatched GET from a browser gets the page (client-side routes), anything else JSON 404.
fn page_routes(router: Router, config: &Config) -> Result<Router> {
    let root = config.root_path.as_deref().unwrap_or_default();
    Ok(match &config.frontend {
        Frontend::Embedded => {
            let page: Arc<str> = ui::embedded_index(root).into();
            let fallback_page = page.clone();
            router
                .method_not_allowed_fallback(page_or_405(page.clone()))
                .route(
                    "/",
                    get(move || {
                        let page = page.clone();
                        async move { ui::html(&page) }
                    }),
                )
                .route(
                    &format!("{}/app.js", ui::ASSETS_PREFIX),
                    get(|| async { ui::script() }),
                )
                .route(
                    &format!("{}/app.css", ui::ASSETS_PREFIX),
                    get(|| async { ui::style() }),
                )
                .fallback(move |method: Method, uri: Uri, headers: HeaderMap| {
                    let page = fallback_page.clone();
                    async move {
                        if ui::wants_page(&method, &uri, &headers) {
                            ui::html(&page)
                        } else {
                            ui::not_found(&method, &uri)
                        }
                    }
                })
        }
        Frontend::Folder(dir) => {
            let index = dir.join("index.html");
            if !index.is_file() {
                return Err(Error::Config(format!(
                    "frontend_dir {} has no index.html: point it at the folder your front-end build writes (e.g. dist/)",
                    dir.display()
                )));
            }
            let raw = std::fs::read_to_string(&index)
                .map_err(|e| Error::Config(format!("cannot read {}: {e}", index.display())))?;
            let theme = config
                .public_dir
                .as_deref()
                .and_then(|dir| std::fs::read_to_string(dir.join("theme.json")).ok())
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
            let page: Arc<str> = ui::templated_index(&raw, config, theme.as_ref()).into();
            let files = ServeDir::new(dir);
            router
                .method_not_allowed_fallback(page_or_405(page.clone()))
                .fallback(move |req: Request| {
                    let (files, page) = (files.clone(), page.clone());
                    async move {
                        let (method, uri) = (req.method().clone(), req.uri().clone());
                        if method != Method::GET && method != Method::HEAD {
                            return ui::not_found(&method, &uri);
                        }
                        let html = || ui::html(&page);
                        if matches!(uri.path(), "/" | "/index.html") {
                            return html();
                        }
                        let found = match files.oneshot(req).await {
                            Ok(response) => response.into_response(),
                            Err(never) => match never {},
                        };
                        // A file of the build, else the page for the UI's own routes; an unknown
                        // path under an API prefix is a JSON 404, never the page.
                        if found.status() != axum::http::StatusCode::NOT_FOUND {
                            return found;
                        }
                        if ui::is_api_path(uri.path()) {
                            return ui::not_found(&method, &uri);
                        }
                        html()
                    }
                })
        }
        Frontend::None => router.fallback(|method: Method, uri: Uri| async move {
            // Probes check the root with HEAD, as they do on Chainlit ("Site is operational").
            if method == Method::HEAD && uri.path() == "/" {
                return axum::Json(serde_json::json!({ "message": "Site is operational" }))
                    .into_response();
            }
            ui::not_found(&method, &uri)
        }),
    })
}

/// For a route that takes other methods: the page, when a browser asks for it there (the UI's
/// own `/login` page shares its path with `POST /login`), else a JSON 405.
fn page_or_405(
    page: Arc<str>,
) -> impl Fn(Method, Uri, HeaderMap) -> std::future::Ready<Response> + Clone + Send + Sync + 'static
{
    move |method: Method, uri: Uri, headers: HeaderMap| {
        std::future::ready(if ui::wants_page(&method, &uri, &headers) {
            ui::html(&page)
        } else {
            ui::method_not_allowed(&method, &uri)
        })
    }
}

/// Resolves the session, binds the context, runs the endpoint, reports its session id.
async fn call_endpoint(parts: Arc<Parts>, route: EndpointRoute, mut req: Request) -> Response {
    let requested = match resolve::requested_session(req.headers(), req.uri()) {
        Ok(id) => id,
        Err(err) => return err.into_response(),
    };
    let user = match parts
        .tabs
        .sessions
        .identify(&parts.auth, req.headers())
        .await
    {
        Ok(user) => user,
        Err(err) => return err.into_response(),
    };
    let context = match resolve_request(&parts, requested, user, route.kind).await {
        Ok(cx) => cx,
        Err(err) => return err.into_response(),
    };
    let session_id = context.session.id;
    req.extensions_mut().insert(context.clone());
    let mut response = context
        .scope(contain_panic((route.call)(req)))
        .await
        .unwrap_or_else(IntoResponse::into_response);
    if let Ok(value) = HeaderValue::from_str(&session_id.to_string()) {
        response.headers_mut().insert(SESSION_HEADER, value);
    }
    response
}

fn start_sweeper(tabs: &Arc<Tabs>, interval: std::time::Duration) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        tracing::warn!(target: "chainrs::session", "no tokio runtime while building the router: expired sessions are only dropped when touched");
        return;
    };
    let weak: Weak<Tabs> = Arc::downgrade(tabs);
    handle.spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            // The sweeper ends with the app: it holds the tabs only while sweeping.
            let Some(tabs) = weak.upgrade() else { return };
            if let Err(err) = tabs.sweep().await {
                tracing::warn!(target: "chainrs::session", error = %err, "session sweep failed; will retry");
            }
        }
    });
}

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    router: Router,
    tabs: Arc<Tabs>,
    auth: Arc<Auth>,
    limits: listen::Limits,
    /// How long running hooks get to finish at shutdown.
    grace: std::time::Duration,
    /// The app's sockets, closed at the end of the shutdown's drain.
    sockets: socketioxide::SocketIo,
}

impl Server {
    pub(crate) async fn bind(parts: Parts, addr: &str) -> Result<Self> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| Error::Config(format!("cannot listen on {addr}: {e}")))?;
        let (tabs, auth) = (parts.tabs.clone(), parts.auth.clone());
        let limits = listen::Limits {
            header_read_timeout: parts.config.header_read_timeout,
            max_connections: parts.config.max_connections,
            max_per_address: parts.config.max_connections_per_address,
        }
        .fitted();
        let grace = parts.config.shutdown_grace;
        let (router, sockets) = routed(parts)?;
        Ok(Server {
            listener,
            router,
            tabs,
            auth,
            limits,
            grace,
            sockets,
        })
    }

    /// A probe of what the server holds (sessions, chat links, tabs), usable while it
    /// runs: for health checks and leak tests.
    pub fn stats_probe(&self) -> impl Fn() -> SessionStats + Send + Sync + 'static {
        let tabs = self.tabs.clone();
        move || tabs.stats()
    }

    /// A handle that ends logins while the server runs (see [`Revoker::revoke_user`]).
    pub fn revoker(&self) -> Revoker {
        let revoker = Revoker::default();
        revoker.attach(self.tabs.clone(), self.auth.clone());
        revoker
    }

    /// The address it listens on (useful after binding port 0).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until Ctrl-C or SIGTERM, then shuts down gracefully (see [`Server::run_until`]).
    pub async fn run(self) -> Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then shuts down gracefully: `GET /health` answers
    /// 503 and new sockets and requests are refused (503, `Retry-After`); the running hooks get
    /// the grace period (`App::shutdown_grace`, `CHAINRS_SHUTDOWN_GRACE`, 30 s by default) to
    /// finish, what still runs then is stopped and its tab told why; the sockets are closed
    /// (their clients reconnect, to another instance behind a load balancer); the requests in
    /// flight finish and the data layer's writes are flushed. Returns `Ok` after all that.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let addr = self.local_addr()?;
        tracing::info!(target: "chainrs", "chainrs serving on http://{addr}");
        let (tabs, grace, sockets) = (self.tabs.clone(), self.grace, self.sockets.clone());
        // The listener stays open while the instance drains, so probes see the 503.
        let drained = async move {
            shutdown.await;
            let drained = tabs.drain(grace, sockets.close()).await;
            tracing::info!(target: "chainrs", stopped = drained.stopped, "drained: sockets closed");
        };
        listen::serve(self.listener, self.router, self.limits, drained).await?;
        if let Some(record) = &self.tabs.record {
            // What the last requests wrote reaches the database before the process ends.
            if !record.flush(std::time::Duration::from_secs(10)).await {
                tracing::error!(target: "chainrs::data", "writes to the data layer were still pending after 10 s at shutdown");
            }
        }
        tracing::info!(target: "chainrs", "chainrs stopped");
        Ok(())
    }
}

/// Ends logins of an app, on every instance that shares its store. Take one from
/// [`App::revoker`](crate::App::revoker) before serving (and hand it to handlers with
/// `App::with_state`), or from [`Server::revoker`].
#[derive(Clone, Default)]
pub struct Revoker {
    app: Arc<std::sync::OnceLock<(Arc<Tabs>, Arc<Auth>)>>,
}

impl Revoker {
    /// Connects the handle to the built app (once).
    pub(crate) fn attach(&self, tabs: Arc<Tabs>, auth: Arc<Auth>) {
        let _ = self.app.set((tabs, auth));
    }

    /// Ends every login of `identifier` issued until now: their tokens are refused (401) on
    /// every instance from now on; the user can log in again.
    pub async fn revoke_user(&self, identifier: &str) -> Result<()> {
        let Some((tabs, auth)) = self.app.get() else {
            return Err(Error::Config(
                "this Revoker's app is not built yet: revoke once it serves (after bind, serve or into_router)"
                    .to_owned(),
            ));
        };
        revoke_user(tabs, auth, identifier).await
    }
}

/// Ends every login of `identifier` issued until now (see [`Revoker::revoke_user`]).
pub(crate) async fn revoke_user(tabs: &Tabs, auth: &Auth, identifier: &str) -> Result<()> {
    let Some(tokens) = auth.tokens.as_ref() else {
        return Err(Error::Config(
            "this app has no login callback, so it has no logins to end".to_owned(),
        ));
    };
    tabs.sessions.revoke_user(identifier, tokens.lifetime).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
