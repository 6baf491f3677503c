//! Property tests of the wire parsers that read what clients send (the handshake, client
//! messages, cookies): any input is answered without a panic, and valid input reads back.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::cookies;
use super::{ClientMessage, Handshake};

/// Any JSON value, a few levels deep, with strings that include control and non-ASCII text.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::String),
        "[0-9a-f-]{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    any::<String>(),
                    Just("sessionId".to_owned()),
                    Just("threadId".to_owned()),
                    Just("userEnv".to_owned()),
                    Just("chatProfile".to_owned()),
                    Just("clientType".to_owned()),
                    Just("message".to_owned()),
                    Just("id".to_owned()),
                    Just("output".to_owned()),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_handshake_is_read_or_refused_with_a_reason(auth in any_json()) {
        if let Err(err) = serde_json::from_value::<Handshake>(auth) {
            prop_assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn a_valid_handshake_reads_back(
        id in any::<u128>(),
        client in "[a-z]{1,20}",
        env_key in "[A-Za-z_]{1,12}",
        env_value in any::<String>(),
        profile in any::<String>(),
    ) {
        let id = Uuid::from_u128(id);
        let env = serde_json::to_string(&json!({ env_key.clone(): env_value.clone() }))
            .expect("encodes");
        let encoded: String = profile
            .bytes()
            .map(|b| format!("%{b:02X}"))
            .collect();
        let hs: Handshake = serde_json::from_value(json!({
            "sessionId": id.to_string(), "clientType": client, "userEnv": env,
            "threadId": "", "chatProfile": encoded,
        }))
        .expect("valid");
        prop_assert_eq!(hs.session_id, id);
        prop_assert_eq!(hs.env.get(&env_key), Some(&Value::String(env_value)));
        prop_assert_eq!(hs.chat_profile, (!profile.is_empty()).then_some(profile));
    }

    #[test]
    fn any_client_message_is_read_or_refused_with_a_reason(payload in any_json()) {
        if let Err(err) = serde_json::from_value::<ClientMessage>(payload) {
            prop_assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn a_valid_client_message_reads_back(id in any::<u128>(), text in any::<String>()) {
        let id = Uuid::from_u128(id);
        let read: ClientMessage = serde_json::from_value(json!({
            "message": { "id": id, "output": text.clone(), "metadata": {} }
        }))
        .expect("valid");
        prop_assert_eq!(read.message.id, id);
        prop_assert_eq!(read.message.output, text);
    }

    #[test]
    fn any_cookie_header_is_read_without_a_panic(raw in any::<String>()) {
        let mut headers = axum::http::HeaderMap::new();
        if let Ok(value) = axum::http::HeaderValue::from_str(&raw) {
            headers.insert(axum::http::header::COOKIE, value);
            let _ = cookies::named(&headers, "access_token");
        }
    }

    #[test]
    fn a_cookie_value_reads_back_decoded(
        value in any::<String>(),
        other in "[a-z]{1,8}=[a-z0-9]{0,8}",
    ) {
        let encoded: String = value
            .bytes()
            .map(|b| format!("%{b:02X}"))
            .collect();
        let header = format!("{other}; access_token={encoded}");
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            axum::http::HeaderValue::from_str(&header).expect("ascii"),
        );
        prop_assert_eq!(cookies::named(&headers, "access_token"), Some(value));
    }
}
