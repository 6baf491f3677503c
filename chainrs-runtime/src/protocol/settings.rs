//! The chat settings panel on the wire: the input widgets of a `chat_settings` event, each
//! `{type, id, label, initial, tooltip, description, disabled}` plus what its type adds, as
//! Chainlit's UI draws them.

use serde::Serialize;
use serde_json::Value;

/// One input of the settings panel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputWidget {
    /// Which input, with what that kind of input adds (`type` on the wire).
    #[serde(flatten)]
    pub kind: WidgetKind,
    /// The key of its value in `chat_settings_change`.
    pub id: String,
    /// Its label.
    pub label: String,
    /// The value it shows first.
    pub initial: Value,
    /// A hint shown on hover.
    pub tooltip: Option<String>,
    /// A line under it.
    pub description: Option<String>,
    /// Shown, but not editable.
    pub disabled: bool,
}

/// The kinds of input, with their own fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
#[non_exhaustive]
pub enum WidgetKind {
    /// An on/off switch (a `bool`).
    Switch,
    /// A checkbox (a `bool`).
    Checkbox,
    /// Free tags (a list of strings).
    Tags,
    /// A slider over a range of numbers.
    Slider {
        /// The lowest value.
        min: f64,
        /// The highest value.
        max: f64,
        /// The distance between two values.
        step: f64,
    },
    /// One of a list, in a drop-down.
    Select {
        /// The choices.
        items: Vec<SelectItem>,
    },
    /// Any of a list.
    #[serde(rename = "multiselect")]
    MultiSelect {
        /// The choices.
        items: Vec<SelectItem>,
    },
    /// One of a list, as radio buttons.
    Radio {
        /// The choices.
        items: Vec<SelectItem>,
    },
    /// A text field.
    #[serde(rename = "textinput")]
    TextInput {
        /// Shown while it is empty.
        placeholder: Option<String>,
        /// Several lines.
        multiline: bool,
    },
    /// A number field.
    #[serde(rename = "numberinput")]
    NumberInput {
        /// Shown while it is empty.
        placeholder: Option<String>,
    },
    /// A date (`mode` `single`) or a range of dates (`range`), as ISO dates.
    #[serde(rename = "datepicker")]
    DatePicker {
        /// `single` or `range`.
        mode: String,
        /// The earliest date that can be picked.
        min_date: Option<String>,
        /// The latest date that can be picked.
        max_date: Option<String>,
        /// How the date is shown (date-fns format).
        format: Option<String>,
        /// Shown while it is empty.
        placeholder: Option<String>,
    },
}

/// A choice of a select, multiselect or radio input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SelectItem {
    /// What the user sees.
    pub label: String,
    /// What the app receives.
    pub value: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn widgets_have_chainlits_fields() {
        let slider = InputWidget {
            kind: WidgetKind::Slider {
                min: 0.0,
                max: 2.0,
                step: 0.1,
            },
            id: "temperature".to_owned(),
            label: "Temperature".to_owned(),
            initial: json!(0.7),
            tooltip: None,
            description: Some("How free".to_owned()),
            disabled: false,
        };
        assert_eq!(
            serde_json::to_value(&slider).expect("json"),
            json!({"type": "slider", "min": 0.0, "max": 2.0, "step": 0.1, "id": "temperature",
                   "label": "Temperature", "initial": 0.7, "tooltip": null,
                   "description": "How free", "disabled": false})
        );
        let text = InputWidget {
            kind: WidgetKind::TextInput {
                placeholder: Some("…".to_owned()),
                multiline: true,
            },
            ..slider.clone()
        };
        let text = serde_json::to_value(&text).expect("json");
        assert_eq!(text["type"], "textinput");
        assert_eq!(text["multiline"], true);
        let pick = InputWidget {
            kind: WidgetKind::MultiSelect {
                items: vec![SelectItem {
                    label: "A".to_owned(),
                    value: "a".to_owned(),
                }],
            },
            ..slider
        };
        let pick = serde_json::to_value(&pick).expect("json");
        assert_eq!(pick["type"], "multiselect");
        assert_eq!(pick["items"], json!([{"label": "A", "value": "a"}]));
    }
}
