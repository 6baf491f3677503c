//! The files Chainlit's web client fetches beside the API: `/favicon`, `/logo?theme=`,
//! `/avatars/{name}` and `/public/{path}`, from the app's public folder, else built-in defaults.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::Parts;
use crate::config::Frontend;
use crate::error::{Error, error_body};

const FAVICON: &str = include_str!("../ui/page/favicon.svg");
const LOGO_LIGHT: &str = include_str!("../ui/page/logo_light.svg");
const LOGO_DARK: &str = include_str!("../ui/page/logo_dark.svg");

/// The first file of `dir` whose name without extension is `stem`.
fn named(dir: &Path, stem: &str) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.file_stem().is_some_and(|s| s == stem))
        .collect();
    found.sort();
    found.into_iter().next()
}

/// Serves a file of the disk, or the built-in `fallback` (an SVG) when there is none.
async fn file_or(path: Option<PathBuf>, fallback: &'static str) -> Response {
    match path {
        Some(path) => serve(&path).await,
        None => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            fallback,
        )
            .into_response(),
    }
}

async fn serve(path: &Path) -> Response {
    let request = Request::builder()
        .body(axum::body::Body::empty())
        .unwrap_or_default();
    match ServeFile::new(path).oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}

/// The front-end folder's own copy of `name` (Chainlit's build ships `favicon.svg`, …).
fn from_frontend(parts: &Parts, name: &str) -> Option<PathBuf> {
    match &parts.config.frontend {
        Frontend::Folder(dir) => Some(dir.join(name)).filter(|p| p.is_file()),
        _ => None,
    }
}

fn favicon_path(parts: &Parts) -> Option<PathBuf> {
    parts
        .config
        .public_dir
        .as_deref()
        .and_then(|dir| named(dir, "favicon"))
        .or_else(|| from_frontend(parts, "favicon.svg"))
}

/// `GET /favicon`: `public/favicon.*`, else the front end's, else chainrs's.
pub(crate) async fn favicon(State(parts): State<Arc<Parts>>) -> Response {
    file_or(favicon_path(&parts), FAVICON).await
}

#[derive(Deserialize)]
pub(crate) struct Theme {
    theme: Option<String>,
}

/// `GET /logo?theme=light|dark`: `public/logo_<theme>.*`, else the front end's, else chainrs's.
pub(crate) async fn logo(State(parts): State<Arc<Parts>>, Query(theme): Query<Theme>) -> Response {
    let dark = theme.theme.as_deref() == Some("dark");
    let stem = if dark { "logo_dark" } else { "logo_light" };
    let path = parts
        .config
        .public_dir
        .as_deref()
        .and_then(|dir| named(dir, stem))
        .or_else(|| from_frontend(&parts, &format!("{stem}.svg")));
    file_or(path, if dark { LOGO_DARK } else { LOGO_LIGHT }).await
}

/// `GET /avatars/{name}`: `public/avatars/<name>.*` (the name lower-cased, spaces and dots
/// made `_`, `default` the app's name), else the favicon. A name with other characters is a 400.
pub(crate) async fn avatar(
    State(parts): State<Arc<Parts>>,
    UrlPath(name): UrlPath<String>,
) -> Response {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ' ' | '.' | '-'));
    if !valid {
        return Error::BadRequest(format!(
            "avatar names are letters, digits, spaces, '.', '_' and '-', got {:?}",
            name.chars().take(64).collect::<String>()
        ))
        .into_response();
    }
    let name = if name == "default" {
        parts.config.ui.name.clone()
    } else {
        name
    };
    let stem = name.to_lowercase().replace([' ', '.'], "_");
    let path = parts
        .config
        .public_dir
        .as_deref()
        .and_then(|dir| named(&dir.join("avatars"), &stem))
        .or_else(|| favicon_path(&parts));
    file_or(path, FAVICON).await
}

/// `GET /public/{path}`: a file under the app's public folder; a path that leaves it is a 400,
/// a missing file a 404.
pub(crate) async fn public(
    State(parts): State<Arc<Parts>>,
    UrlPath(path): UrlPath<String>,
) -> Response {
    let relative = Path::new(&path);
    let inside = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        && !path.contains(['\\', '\0']);
    if !inside {
        return Error::BadRequest(format!(
            "{:?} is not a path inside the public folder",
            path.chars().take(128).collect::<String>()
        ))
        .into_response();
    }
    let Some(file) = parts
        .config
        .public_dir
        .as_deref()
        .map(|dir| dir.join(relative))
        .filter(|file| file.is_file())
    else {
        return (
            StatusCode::NOT_FOUND,
            error_body(&format!("no file public/{path}")),
        )
            .into_response();
    };
    serve(&file).await
}
