//! The Socket.IO handshake's `auth` object, as a serde type the socket decodes before a tab may
//! join: each field is validated as it is read, and every refusal names the field and the fix.

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::{Map, Value};
use uuid::Uuid;

/// What a valid handshake looks like, for refusals.
pub(crate) const HANDSHAKE_SHAPE: &str = "connect with auth {\"sessionId\": \"<a UUID made once per tab>\", \
     \"clientType\": \"webapp\", \"userEnv\": \"{}\", \"threadId\": \"\", \"chatProfile\": \"\"} \
     (socket.io-client: io(url, { auth: {...} }))";

/// A valid handshake: what Chainlit's web client sends (`sessionId`, `clientType`, `userEnv`,
/// `threadId`, `chatProfile`), decoded.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Handshake {
    #[serde(deserialize_with = "session_id")]
    pub(crate) session_id: Uuid,
    #[serde(default = "webapp", deserialize_with = "client_type")]
    pub(crate) client_type: String,
    #[serde(default, deserialize_with = "thread_id")]
    pub(crate) thread_id: Option<Uuid>,
    #[serde(default, rename = "userEnv", deserialize_with = "user_env")]
    pub(crate) env: Map<String, Value>,
    #[serde(default, deserialize_with = "chat_profile")]
    pub(crate) chat_profile: Option<String>,
}

fn webapp() -> String {
    "webapp".to_owned()
}

fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn session_id<'de, D: Deserializer<'de>>(d: D) -> Result<Uuid, D::Error> {
    match Value::deserialize(d)? {
        Value::String(raw) => Uuid::parse_str(raw.trim()).map_err(|_| {
            de::Error::custom(format!("sessionId must be a UUID, got {:?}", clip(&raw)))
        }),
        Value::Null => Err(de::Error::custom("the handshake needs a sessionId")),
        other => Err(de::Error::custom(format!(
            "sessionId must be a UUID string, got {}",
            kind_of(&other)
        ))),
    }
}

fn client_type<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(webapp()),
        Value::String(s) if !s.trim().is_empty() && s.len() <= 64 => Ok(s.trim().to_owned()),
        other => Err(de::Error::custom(format!(
            "clientType must be a short string such as \"webapp\", got {}",
            kind_of(&other)
        ))),
    }
}

fn thread_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Uuid>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Uuid::parse_str(s.trim()).map(Some).map_err(|_| {
            de::Error::custom(format!(
                "threadId must be a UUID or \"\", got {:?}",
                clip(&s)
            ))
        }),
        other => Err(de::Error::custom(format!(
            "threadId must be a UUID string or \"\", got {}",
            kind_of(&other)
        ))),
    }
}

fn user_env<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Map::new()),
        Value::String(s) if s.trim().is_empty() => Ok(Map::new()),
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(env)) => Ok(env),
            _ => Err(de::Error::custom(format!(
                "userEnv must be a JSON string encoding an object, such as \"{{}}\", got {:?}",
                clip(&s)
            ))),
        },
        other => Err(de::Error::custom(format!(
            "userEnv must be a JSON string encoding an object (JSON.stringify(env)), got {}",
            kind_of(&other)
        ))),
    }
}

fn chat_profile<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => percent_decode(&s).map(Some).ok_or_else(|| {
            de::Error::custom(format!(
                "chatProfile must be a URI-encoded name, got {:?}",
                clip(&s)
            ))
        }),
        other => Err(de::Error::custom(format!(
            "chatProfile must be a string, got {}",
            kind_of(&other)
        ))),
    }
}

/// Decodes `%XX` escapes as `decodeURIComponent` does: `None` on a bad escape or bad UTF-8
/// (where a lenient decoder would keep the `%` as it is).
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(auth: Value) -> Result<Handshake, String> {
        serde_json::from_value(auth).map_err(|e| e.to_string())
    }

    #[test]
    fn accepts_the_web_clients_auth_object() {
        let id = Uuid::new_v4();
        let hs = parse(json!({
            "clientType": "webapp", "sessionId": id.to_string(), "threadId": "",
            "userEnv": "{\"OPENAI_KEY\":\"k\"}", "chatProfile": "GPT%204%20%F0%9F%9A%80"
        }))
        .expect("valid");
        assert_eq!(hs.session_id, id);
        assert_eq!(hs.thread_id, None);
        assert_eq!(hs.env.get("OPENAI_KEY"), Some(&json!("k")));
        assert_eq!(hs.chat_profile.as_deref(), Some("GPT 4 🚀"));
        assert_eq!(hs.client_type, "webapp");
        let minimal = parse(json!({ "sessionId": id.to_string() })).expect("valid");
        assert_eq!(
            (minimal.client_type.as_str(), minimal.env.len()),
            ("webapp", 0)
        );
    }

    #[test]
    fn refusals_name_the_field_and_the_fix() {
        let id = Uuid::new_v4().to_string();
        let cases = [
            (json!("token"), "invalid type"),
            (json!({}), "missing field `sessionId`"),
            (json!({"clientType": "webapp"}), "missing field `sessionId`"),
            (json!({"sessionId": null}), "needs a sessionId"),
            (json!({"sessionId": "abc"}), "sessionId must be a UUID"),
            (json!({"sessionId": 5}), "got a number"),
            (
                json!({"sessionId": id, "userEnv": {}}),
                "userEnv must be a JSON string",
            ),
            (
                json!({"sessionId": id, "userEnv": "[1]"}),
                "encoding an object",
            ),
            (
                json!({"sessionId": id, "threadId": "t1"}),
                "threadId must be a UUID",
            ),
            (
                json!({"sessionId": id, "chatProfile": "%zz"}),
                "chatProfile",
            ),
            (json!({"sessionId": id, "clientType": ["x"]}), "clientType"),
        ];
        for (auth, expected) in cases {
            let err = parse(auth).expect_err(expected);
            assert!(
                err.contains(expected),
                "{err:?} should mention {expected:?}"
            );
        }
    }
}
