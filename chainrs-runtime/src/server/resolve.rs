//! Which session an HTTP request belongs to: header, cookie or query names it; none makes one.
//! Login and chat-tab requirements are checked here, before any handler runs.

use axum::http::{HeaderMap, Uri};

use super::Parts;
use super::endpoint::EndpointKind;
use crate::auth::User;
use crate::context::{Context, ContextKind};
use crate::error::{Error, Result};
use crate::protocol::cookies;
use crate::session::{Origin, SessionId, SessionMeta};

/// The header that names a session, in requests and responses.
pub(crate) const SESSION_HEADER: &str = "x-chainrs-session-id";
/// The cookie Chainlit's web client sets (`POST /set-session-cookie`).
const SESSION_COOKIE: &str = "X-Chainlit-Session-id";
/// The query parameter that names a session.
const SESSION_QUERY: &str = "session_id";

/// The session id a request names, if any: header, then cookie, then query.
pub(crate) fn requested_session(headers: &HeaderMap, uri: &Uri) -> Result<Option<SessionId>> {
    if let Some(value) = headers.get(SESSION_HEADER) {
        let raw = value.to_str().map_err(|_| Error::InvalidSessionId {
            given: "<not text>".to_owned(),
            source_name: "the X-Chainrs-Session-Id header",
        })?;
        return SessionId::parse_from(raw, "the X-Chainrs-Session-Id header").map(Some);
    }
    if let Some(value) = cookies::named(headers, SESSION_COOKIE) {
        return SessionId::parse_from(&value, "the X-Chainlit-Session-id cookie").map(Some);
    }
    if let Some(query) = uri.query() {
        // Percent-decoded; a query that does not parse as a form names no session.
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        if let Some((_, value)) = pairs.into_iter().find(|(name, _)| name == SESSION_QUERY) {
            return SessionId::parse_from(&value, "the session_id query parameter").map(Some);
        }
    }
    Ok(None)
}

/// Resolves the context an endpoint runs in, for a request that named `requested` (if any).
pub(crate) async fn resolve_request(
    parts: &Parts,
    requested: Option<SessionId>,
    user: Option<User>,
    kind: EndpointKind,
) -> Result<Context> {
    let sessions = &parts.tabs.sessions;
    if parts.auth.login_required() && user.is_none() {
        return Err(login_required());
    }
    let session = match requested {
        Some(id) => {
            let session = sessions.open_named(id).await?;
            session.check_owner(user.as_ref())?;
            session
        }
        None if kind == EndpointKind::Ws => {
            return Err(Error::BadRequest(
                "this #[endpoint(ws)] runs in a chat tab's context: name the tab's session with \
                 the X-Chainrs-Session-Id header (or the session_id query parameter)"
                    .to_owned(),
            ));
        }
        None => {
            sessions
                .create(SessionMeta::new(Origin::Http, user))
                .await?
        }
    };
    let chat = match kind {
        EndpointKind::Http => None,
        EndpointKind::Ws => Some(
            parts
                .tabs
                .chat_of(&session)
                .await?
                .ok_or_else(|| Error::NoLiveChat(session.id.to_string()))?,
        ),
    };
    Ok(Context {
        kind: match kind {
            EndpointKind::Http => ContextKind::Http,
            EndpointKind::Ws => ContextKind::WsEndpoint,
        },
        session,
        state: parts.tabs.state.clone(),
        chat,
        files: parts.tabs.files.clone(),
        chat_context: parts.tabs.settings.chat_context,
        parent_step: None,
    })
}

pub(crate) fn login_required() -> Error {
    Error::Unauthorized(
        "login required: POST /login with form fields username and password, then send the \
         returned token (the access_token cookie, or Authorization: Bearer <access_token>)"
            .to_owned(),
    )
}

#[cfg(test)]
mod properties {
    use axum::http::{HeaderMap, HeaderValue, Uri};
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_request_names_a_session_or_refuses_without_a_panic(
            query in any::<String>(),
            header in any::<String>(),
            cookie in any::<String>(),
        ) {
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(&header) {
                headers.insert(SESSION_HEADER, value);
            }
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                headers.insert(axum::http::header::COOKIE, value);
            }
            if let Ok(uri) = format!("/x?{query}").parse::<Uri>() {
                let _ = requested_session(&headers, &uri);
            }
        }

        #[test]
        fn a_percent_encoded_session_id_in_the_query_reads_back(id in any::<u128>()) {
            let id = uuid::Uuid::from_u128(id);
            let encoded: String = id.to_string().bytes().map(|b| format!("%{b:02X}")).collect();
            let uri: Uri = format!("/x?a=1&session_id={encoded}").parse().expect("uri");
            let found = requested_session(&HeaderMap::new(), &uri).expect("valid");
            prop_assert_eq!(found, Some(SessionId::from(id)));
        }
    }
}
