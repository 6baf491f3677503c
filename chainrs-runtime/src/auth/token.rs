//! Login tokens: HS256 JWTs carrying the user, sent as the `access_token` cookie or an
//! `Authorization: Bearer` header; anything else is refused with the reason, never a panic.

use std::time::Duration;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::User;
use crate::error::{Error, Result};

/// The cookie that carries the token.
pub(crate) const TOKEN_COOKIE: &str = "access_token";

/// The shortest secret accepted, in bytes.
const MIN_SECRET: usize = 32;

/// How to make a secret, for error messages and docs.
pub(crate) const MAKE_A_SECRET: &str =
    "export CHAINRS_AUTH_SECRET=\"$(head -c 48 /dev/urandom | base64)\"";

/// How far in the future a token's `iat` may be (clocks of instances differ a little).
const IAT_LEEWAY_SECS: u64 = 60;

#[derive(Serialize, Deserialize)]
struct Claims {
    #[serde(flatten)]
    user: User,
    iat: u64,
    exp: u64,
    /// The token's id, so that one login can be revoked (tokens issued before ids existed
    /// have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jti: Option<String>,
    /// `iat` in milliseconds, so a revocation and a new login in the same second are told apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat_ms: Option<u64>,
}

/// A valid token: its user, its id, and when it was issued and expires.
#[derive(Clone, Debug)]
pub(crate) struct Verified {
    pub(crate) user: User,
    pub(crate) id: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub(crate) issued_ms: u64,
    /// Seconds since the Unix epoch.
    pub(crate) expires: u64,
}

/// Issues and checks the tokens of one app.
pub(crate) struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub(crate) lifetime: Duration,
}

impl Tokens {
    /// Keys from `secret`, which must be at least 32 bytes.
    pub(crate) fn new(secret: &[u8], lifetime: Duration) -> Result<Self> {
        if secret.len() < MIN_SECRET {
            return Err(Error::Config(format!(
                "CHAINRS_AUTH_SECRET is {} bytes; it needs at least {MIN_SECRET} random bytes: {MAKE_A_SECRET}",
                secret.len()
            )));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat"]);
        let keys = |e: jsonwebtoken::errors::Error| {
            Error::Config(format!("CHAINRS_AUTH_SECRET cannot be used as a key: {e}"))
        };
        Ok(Tokens {
            encoding: EncodingKey::from_secret(secret).map_err(keys)?,
            decoding: DecodingKey::from_secret(secret).map_err(keys)?,
            validation,
            lifetime,
        })
    }

    /// A secret for this process only (development mode).
    pub(crate) fn ephemeral(lifetime: Duration) -> Result<Self> {
        let secret: Vec<u8> = (0..4)
            .flat_map(|_| uuid::Uuid::new_v4().into_bytes())
            .collect();
        Self::new(&secret, lifetime)
    }

    /// A signed token for `user`, valid for the configured lifetime.
    pub(crate) fn issue(&self, user: &User) -> Result<String> {
        let now_ms = now_millis();
        let now = now_ms / 1000;
        let claims = Claims {
            user: user.clone(),
            iat: now,
            exp: now + self.lifetime.as_secs(),
            jti: Some(uuid::Uuid::new_v4().simple().to_string()),
            iat_ms: Some(now_ms),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Config(format!("could not sign a login token: {e}")))
    }

    /// What a valid token carries, or why it is refused.
    pub(crate) fn verify(&self, token: &str) -> std::result::Result<Verified, &'static str> {
        // Name a foreign algorithm (`none` above all) before the library calls it malformed.
        if let Some(alg) = algorithm_of(token) {
            if alg != "HS256" {
                return Err("the token is not signed with HS256");
            }
        }
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => {
                let claims = data.claims;
                if claims.iat > now_secs() + IAT_LEEWAY_SECS {
                    return Err("the token claims to be issued in the future");
                }
                Ok(Verified {
                    user: claims.user,
                    id: claims.jti,
                    issued_ms: claims.iat_ms.unwrap_or(claims.iat.saturating_mul(1000)),
                    expires: claims.exp,
                })
            }
            Err(err) => Err(match err.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::InvalidSignature => "the token's signature is not valid",
                ErrorKind::InvalidAlgorithm
                | ErrorKind::InvalidAlgorithmName
                | ErrorKind::UnsupportedAlgorithm => "the token is not signed with HS256",
                ErrorKind::MissingRequiredClaim(_) => "the token lacks exp or iat",
                _ => "the token is malformed",
            }),
        }
    }

    /// The valid token a request carries: `Authorization: Bearer` first, then the
    /// `access_token` cookie. `Ok(None)` without a token; an invalid one is refused (401).
    /// Revocation is checked by the caller, against the store.
    pub(crate) fn identify(&self, headers: &HeaderMap) -> Result<Option<Verified>> {
        let Some(token) = token_of(headers) else {
            return Ok(None);
        };
        self.verify(&token).map(Some).map_err(|why| {
            tracing::warn!(target: "chainrs::auth", reason = why, "token refused");
            Error::Unauthorized(format!(
                "{why}: log in again (POST /login) to get a new token"
            ))
        })
    }
}

/// The `alg` a token's header names, when the header decodes.
fn algorithm_of(token: &str) -> Option<String> {
    use base64::Engine as _;
    let header = token.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("alg")?.as_str().map(str::to_owned)
}

/// The token a request carries, if any.
fn token_of(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        if let Some(token) = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
        {
            return Some(token.trim().to_owned());
        }
    }
    crate::protocol::cookies::named(headers, TOKEN_COOKIE).filter(|token| !token.is_empty())
}

/// The `Set-Cookie` value that stores `token`.
pub(crate) fn cookie(token: &str, lifetime: Duration) -> String {
    format!(
        "{TOKEN_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}",
        lifetime.as_secs()
    )
}

/// The `Set-Cookie` value that removes the token.
pub(crate) fn expired_cookie() -> String {
    format!("{TOKEN_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
}

fn now_secs() -> u64 {
    now_millis() / 1000
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::COOKIE;

    fn tokens() -> Tokens {
        Tokens::new(&[7u8; 32], Duration::from_secs(60)).expect("keys")
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            format!("Bearer {token}").parse().expect("header"),
        );
        headers
    }

    #[test]
    fn a_token_round_trips_its_user_through_header_and_cookie() {
        let t = tokens();
        let user = User::new("ann").with_metadata("role", "admin");
        let token = t.issue(&user).expect("signed");
        let verified = t
            .identify(&bearer(&token))
            .expect("valid")
            .expect("a token");
        assert_eq!(verified.user, user);
        assert!(verified.id.is_some(), "each token has its id");
        let again = t.issue(&user).expect("signed");
        assert_ne!(t.verify(&again).ok().and_then(|v| v.id), verified.id);
        let mut cookies = HeaderMap::new();
        cookies.insert(
            COOKIE,
            format!("theme=dark; access_token={token}")
                .parse()
                .expect("header"),
        );
        let from_cookie = t.identify(&cookies).expect("valid").map(|v| v.user);
        assert_eq!(from_cookie, Some(user));
        assert!(t.identify(&HeaderMap::new()).expect("none").is_none());
    }

    #[test]
    fn bad_tokens_are_refused_with_the_reason() {
        let t = tokens();
        let other = Tokens::new(&[8u8; 32], Duration::from_secs(60)).expect("keys");
        let forged = other.issue(&User::new("ann")).expect("signed");
        let reason = |token: &str| t.verify(token).err();
        assert_eq!(reason(&forged), Some("the token's signature is not valid"));
        let expired = Tokens::new(&[7u8; 32], Duration::ZERO)
            .expect("keys")
            .issue(&User::new("ann"))
            .expect("signed");
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(reason(&expired), Some("the token has expired"));
        // Signed with the right key, but issued an hour from now.
        let future = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &Claims {
                user: User::new("ann"),
                iat: now_secs() + 3600,
                exp: now_secs() + 7200,
                jti: None,
                iat_ms: None,
            },
            &EncodingKey::from_secret(&[7u8; 32]).expect("key"),
        )
        .expect("signed");
        assert_eq!(
            reason(&future),
            Some("the token claims to be issued in the future")
        );
        // alg "none": header {"alg":"none","typ":"JWT"}, any claims, no signature.
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpZGVudGlmaWVyIjoiYW5uIiwiaWF0IjoxLCJleHAiOjk5OTk5OTk5OTl9.";
        assert_eq!(reason(none), Some("the token is not signed with HS256"));
        assert_eq!(reason("garbage"), Some("the token is malformed"));
        assert_eq!(reason("a.b.c"), Some("the token is malformed"));
        let err = t.identify(&bearer("garbage")).expect_err("refused");
        assert!(err.to_string().contains("log in again"), "{err}");
    }

    #[test]
    fn short_secrets_are_refused_with_how_to_make_one() {
        let err = Tokens::new(b"short", Duration::from_secs(1))
            .err()
            .expect("too short");
        assert!(err.to_string().contains("head -c 48 /dev/urandom"), "{err}");
    }
}
