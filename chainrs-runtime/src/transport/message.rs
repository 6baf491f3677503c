//! The `client_message` / `edit_message` payload, read into the user's `Message`; every
//! refusal says what the client must send instead.

use serde_json::Value;
use uuid::Uuid;

use crate::chat::Message;

/// Reads a `client_message` / `edit_message` payload into the user's `Message`.
pub(super) fn parse_message(data: Option<Value>) -> Result<Message, String> {
    const SHAPE: &str = "expected {\"message\": {\"id\": \"<uuid>\", \"output\": \"<text>\", ...}}";
    let Some(Value::Object(mut payload)) = data else {
        return Err(format!("the payload is not a JSON object: {SHAPE}"));
    };
    let Some(Value::Object(mut message)) = payload.remove("message") else {
        return Err(format!("the payload has no `message` object: {SHAPE}"));
    };
    let id = match message.get("id") {
        Some(Value::String(raw)) => Uuid::parse_str(raw).map_err(|_| {
            format!(
                "message.id must be a UUID, got {:?}",
                raw.chars().take(64).collect::<String>()
            )
        })?,
        _ => return Err(format!("the message has no `id`: {SHAPE}")),
    };
    let content = match message.remove("output") {
        Some(Value::String(text)) => text,
        _ => return Err(format!("the message has no text `output`: {SHAPE}")),
    };
    let mut parsed = Message::from_user(content);
    parsed.id = id;
    if let Some(Value::String(created)) = message.remove("createdAt") {
        parsed.created_at = created;
    }
    if let Some(Value::Object(metadata)) = message.remove("metadata") {
        parsed.metadata = metadata;
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_the_web_clients_message() {
        let id = Uuid::new_v4();
        let msg = parse_message(
            Some(json!({"message": {"id": id, "output": "hi", "createdAt": "2026-01-01T00:00:00Z",
                "type": "user_message", "name": "User", "threadId": "", "metadata": {}}, "fileReferences": []})),
        )
        .expect("valid");
        assert_eq!((msg.id, msg.content.as_str()), (id, "hi"));
        assert_eq!(msg.created_at, "2026-01-01T00:00:00Z");
    }

    #[test]
    fn refuses_bad_messages_with_the_reason() {
        let id = Uuid::new_v4().to_string();
        let cases = [
            (None, "not a JSON object"),
            (Some(json!([1])), "not a JSON object"),
            (Some(json!({"msg": {}})), "no `message`"),
            (Some(json!({"message": {"output": "x"}})), "no `id`"),
            (
                Some(json!({"message": {"id": "nope", "output": "x"}})),
                "must be a UUID",
            ),
            (
                Some(json!({"message": {"id": id, "output": 5}})),
                "no text `output`",
            ),
        ];
        for (data, expected) in cases {
            let err = parse_message(data).expect_err(expected);
            assert!(
                err.contains(expected),
                "{err:?} should mention {expected:?}"
            );
        }
    }
}
