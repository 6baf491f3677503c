//! A tab's chat settings: the panel shown when the tab starts, and the values the client
//! submits, checked against the app's settings type before they are stored (in the session,
//! and in the thread when a data layer keeps it).

use serde_json::{Map, Value};

use super::Tab;
use crate::protocol::ServerEvent;

/// Sends the tab the settings panel showing the session's values, once they fit the app's
/// settings type: missing values (a new session) take the defaults, and values an earlier
/// version of the app kept that no longer fit are replaced by them (and logged). Nothing
/// without a settings type.
pub(super) async fn show(tab: &Tab) {
    let Some(panel) = tab.tabs.settings.panel.clone() else {
        return;
    };
    let stored = tab.session.chat_settings();
    let (values, problems) = panel.normalized(&stored);
    if !problems.is_empty() {
        tracing::warn!(target: "chainrs::settings", parent: &tab.session.span, problems = %problems.join("; "), "stored chat settings that no longer fit: the defaults replace them");
    }
    let values = if values == stored {
        values
    } else {
        let updated = tab
            .session
            .update_meta("chat settings set", |m| {
                m.chat_settings = panel.normalized(&m.chat_settings).0;
                m.chat_settings.clone()
            })
            .await;
        match updated {
            Ok(values) => values,
            Err(err) => {
                tracing::warn!(target: "chainrs::settings", parent: &tab.session.span, error = %err, "could not store the chat settings' defaults");
                values
            }
        }
    };
    tab.emit(ServerEvent::ChatSettings(panel.widgets(&values)))
        .await;
}

/// Applies what the client submitted (`chat_settings_change`) to the session's settings: with a
/// settings type, only when every value fits it (otherwise why not, and nothing changes);
/// without one, as it came. The thread keeps the new values when a data layer is set.
pub(super) async fn change(tab: &Tab, incoming: Map<String, Value>) -> Result<(), String> {
    let panel = tab.tabs.settings.panel.clone();
    // A change that does not fit is refused before anything is written (whether a value fits
    // does not depend on the others, so the snapshot decides as the stored values would).
    if let Some(panel) = &panel {
        panel.changed(&tab.session.chat_settings(), &incoming)?;
    }
    let values = tab
        .session
        .update_meta("chat settings changed", |m| {
            let values = match &panel {
                Some(panel) => panel.changed(&m.chat_settings, &incoming)?,
                None => {
                    let mut merged = m.chat_settings.clone();
                    merged.extend(incoming.clone());
                    merged
                }
            };
            m.chat_settings = values.clone();
            Ok::<_, String>(values)
        })
        .await
        .map_err(|err| format!("the chat settings could not be stored: {err}"))??;
    if let Some(record) = &tab.tabs.record {
        record.settings(&tab.session, values);
    }
    Ok(())
}
