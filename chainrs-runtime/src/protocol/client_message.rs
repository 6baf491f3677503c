//! The payload of `client_message` and `edit_message`, as a serde type the socket decodes
//! straight from the frame. Each refusal says what the client must send instead.

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::{Map, Value};
use uuid::Uuid;

/// What a valid payload looks like, for refusals.
pub(crate) const MESSAGE_SHAPE: &str =
    "send {\"message\": {\"id\": \"<uuid>\", \"output\": \"<text>\", ...}}";

/// `{"message": {...}, "fileReferences": [...]}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ClientMessage {
    pub(crate) message: UserMessage,
    /// The files the user attached, as uploaded to `POST /project/file`.
    #[serde(default, rename = "fileReferences")]
    pub(crate) file_references: Option<Vec<FileReference>>,
}

/// An uploaded file a message refers to.
#[derive(Debug, Deserialize)]
pub(crate) struct FileReference {
    /// The id `POST /project/file` answered (kept as text: an unknown one is skipped).
    pub(crate) id: String,
}

/// The user's message as the web client writes it (other fields are ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserMessage {
    #[serde(deserialize_with = "message_id")]
    pub(crate) id: Uuid,
    pub(crate) output: String,
    #[serde(default)]
    pub(crate) created_at: Option<String>,
    #[serde(default)]
    pub(crate) metadata: Option<Map<String, Value>>,
    /// The command the user picked in the composer, by id.
    #[serde(default)]
    pub(crate) command: Option<String>,
    /// The options chosen in the composer's mode pickers: mode id to option id.
    #[serde(default)]
    pub(crate) modes: Option<std::collections::BTreeMap<String, String>>,
}

fn message_id<'de, D: Deserializer<'de>>(d: D) -> Result<Uuid, D::Error> {
    let raw = String::deserialize(d)
        .map_err(|_| de::Error::custom("message.id must be a UUID string"))?;
    Uuid::parse_str(&raw).map_err(|_| {
        de::Error::custom(format!(
            "message.id must be a UUID, got {:?}",
            raw.chars().take(64).collect::<String>()
        ))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(value: Value) -> Result<UserMessage, String> {
        serde_json::from_value::<ClientMessage>(value)
            .map(|m| m.message)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn reads_the_web_clients_message() {
        let id = Uuid::new_v4();
        let msg = parse(json!({"message": {"id": id, "output": "hi", "createdAt": "2026-01-01T00:00:00Z",
            "type": "user_message", "name": "User", "threadId": "", "metadata": {}}, "fileReferences": []}))
        .expect("valid");
        assert_eq!((msg.id, msg.output.as_str()), (id, "hi"));
        assert_eq!(msg.created_at.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!((msg.command, msg.modes), (None, None));
    }

    #[test]
    fn reads_the_command_and_modes_the_user_picked() {
        let id = Uuid::new_v4();
        let msg = parse(
            json!({"message": {"id": id, "output": "find it", "command": "search",
            "modes": {"model": "deep"}}}),
        )
        .expect("valid");
        assert_eq!(msg.command.as_deref(), Some("search"));
        assert_eq!(
            msg.modes.and_then(|m| m.get("model").cloned()).as_deref(),
            Some("deep")
        );
        let bad = parse(json!({"message": {"id": id, "output": "x", "modes": {"model": 3}}}));
        assert!(bad.is_err(), "a mode's option is an id: {bad:?}");
    }

    #[test]
    fn refuses_bad_messages_with_the_reason() {
        let id = Uuid::new_v4().to_string();
        let cases = [
            (json!([1]), "invalid type"),
            (json!({"msg": {}}), "missing field `message`"),
            (json!({"message": {"output": "x"}}), "missing field `id`"),
            (
                json!({"message": {"id": "nope", "output": "x"}}),
                "message.id must be a UUID, got \"nope\"",
            ),
            (json!({"message": {"id": 7, "output": "x"}}), "UUID string"),
            (json!({"message": {"id": id, "output": 5}}), "invalid type"),
        ];
        for (data, expected) in cases {
            let err = parse(data).expect_err(expected);
            assert!(
                err.contains(expected),
                "{err:?} should mention {expected:?}"
            );
        }
    }
}
