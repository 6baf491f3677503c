//! The Socket.IO handshake's `auth` object: parsed and validated before a socket may join.
//! Every refusal says what was wrong and what a client must send instead.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::session::SessionId;

/// What a valid handshake carries.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Handshake {
    pub(crate) session_id: SessionId,
    pub(crate) client_type: String,
    pub(crate) thread_id: Option<Uuid>,
    pub(crate) env: Map<String, Value>,
    pub(crate) chat_profile: Option<String>,
}

const EXPECTED: &str = "connect with auth {\"sessionId\": \"<a UUID made once per tab>\", \
     \"clientType\": \"webapp\", \"userEnv\": \"{}\", \"threadId\": \"\", \"chatProfile\": \"\"}";

/// Validates the handshake's auth object.
pub(crate) fn parse(auth: Option<&Value>) -> Result<Handshake, String> {
    let Some(Value::Object(auth)) = auth else {
        return Err(format!(
            "the handshake has no auth object: {EXPECTED} (socket.io-client: io(url, {{ auth: {{...}} }}))"
        ));
    };
    let session_id = match auth.get("sessionId") {
        None | Some(Value::Null) => {
            return Err(format!(
                "the handshake auth object needs a sessionId: {EXPECTED}"
            ));
        }
        Some(Value::String(raw)) => Uuid::parse_str(raw.trim())
            .map(SessionId::from)
            .map_err(|_| format!("sessionId must be a UUID, got {:?}", clip(raw)))?,
        Some(other) => {
            return Err(format!(
                "sessionId must be a UUID string, got {}",
                kind_of(other)
            ));
        }
    };
    let client_type = match auth.get("clientType") {
        None | Some(Value::Null) => "webapp".to_owned(),
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 64 => s.trim().to_owned(),
        Some(other) => {
            return Err(format!(
                "clientType must be a short string such as \"webapp\", got {}",
                kind_of(other)
            ));
        }
    };
    let thread_id = match auth.get("threadId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(
            Uuid::parse_str(s.trim())
                .map_err(|_| format!("threadId must be a UUID or \"\", got {:?}", clip(s)))?,
        ),
        Some(other) => {
            return Err(format!(
                "threadId must be a UUID string or \"\", got {}",
                kind_of(other)
            ));
        }
    };
    let env = match auth.get("userEnv") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::String(s)) if s.trim().is_empty() => Map::new(),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(env)) => env,
            _ => {
                return Err(format!(
                    "userEnv must be a JSON string encoding an object, such as \"{{}}\", got {:?}",
                    clip(s)
                ));
            }
        },
        Some(other) => {
            return Err(format!(
                "userEnv must be a JSON string encoding an object (JSON.stringify(env)), got {}",
                kind_of(other)
            ));
        }
    };
    let chat_profile =
        match auth.get("chatProfile") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(percent_decode(s).ok_or_else(|| {
                format!("chatProfile must be a URI-encoded name, got {:?}", clip(s))
            })?),
            Some(other) => {
                return Err(format!(
                    "chatProfile must be a string, got {}",
                    kind_of(other)
                ));
            }
        };
    Ok(Handshake {
        session_id,
        client_type,
        thread_id,
        env,
        chat_profile,
    })
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

/// Decodes `%XX` escapes (as `encodeURIComponent` writes them); `None` on a bad escape or bad UTF-8.
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

    #[test]
    fn accepts_the_web_clients_auth_object() {
        let id = Uuid::new_v4();
        let hs = parse(Some(&json!({
            "clientType": "webapp", "sessionId": id.to_string(), "threadId": "",
            "userEnv": "{\"OPENAI_KEY\":\"k\"}", "chatProfile": "GPT%204%20%F0%9F%9A%80"
        })))
        .expect("valid");
        assert_eq!(hs.session_id, SessionId::from(id));
        assert_eq!(hs.thread_id, None);
        assert_eq!(hs.env.get("OPENAI_KEY"), Some(&json!("k")));
        assert_eq!(hs.chat_profile.as_deref(), Some("GPT 4 🚀"));
        assert_eq!(hs.client_type, "webapp");
    }

    #[test]
    fn refusals_name_the_field_and_the_fix() {
        let id = Uuid::new_v4().to_string();
        let cases = [
            (None, "no auth object"),
            (Some(json!("token")), "no auth object"),
            (Some(json!({"clientType": "webapp"})), "needs a sessionId"),
            (
                Some(json!({"sessionId": "abc"})),
                "sessionId must be a UUID",
            ),
            (Some(json!({"sessionId": 5})), "got a number"),
            (
                Some(json!({"sessionId": id, "userEnv": {}})),
                "userEnv must be a JSON string",
            ),
            (
                Some(json!({"sessionId": id, "userEnv": "[1]"})),
                "encoding an object",
            ),
            (
                Some(json!({"sessionId": id, "threadId": "t1"})),
                "threadId must be a UUID",
            ),
            (
                Some(json!({"sessionId": id, "chatProfile": "%zz"})),
                "chatProfile",
            ),
            (
                Some(json!({"sessionId": id, "clientType": ["x"]})),
                "clientType",
            ),
        ];
        for (auth, expected) in cases {
            let err = parse(auth.as_ref()).expect_err(expected);
            assert!(
                err.contains(expected),
                "{err:?} should mention {expected:?}"
            );
        }
    }
}
