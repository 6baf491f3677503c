//! Typed chat settings: a struct is the settings panel. `#[derive(ChatSettings)]` makes an
//! input of each field (its kind from the field's type or its `#[setting(...)]`), the struct's
//! `Default` gives the initial values, and hooks read the current values as that struct
//! (`Settings<T>`), checked against the inputs on the way in.

use std::marker::PhantomData;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::protocol::{InputWidget, SelectItem, WidgetKind};

/// A struct whose fields are the chat settings: implemented by `#[derive(ChatSettings)]`
/// and registered with `App::chat_settings::<T>()`.
pub trait ChatSettings: Default + Send + Sync + 'static {
    /// The inputs, one per field, in field order.
    fn fields() -> Vec<SettingField>;

    /// The values, by input id.
    fn values(&self) -> Map<String, Value>;

    /// `base` with each value of `values` that fits its input, and a line for each that does
    /// not (`base` keeps its own value there). Ids `values` does not hold keep `base`'s value.
    fn read(values: &Map<String, Value>, base: Self) -> (Self, Vec<String>);

    /// The panel showing `self`'s values.
    fn widgets(&self) -> Vec<InputWidget> {
        let values = self.values();
        Self::fields()
            .into_iter()
            .map(|field| {
                let initial = values.get(field.id).cloned().unwrap_or(Value::Null);
                field.widget(initial)
            })
            .collect()
    }
}

/// One input of a [`ChatSettings`] struct, as the derive describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingField {
    /// The key of its value (the field's name, or `#[setting(id = "...")]`).
    pub id: &'static str,
    /// Its label.
    pub label: &'static str,
    /// A hint shown on hover.
    pub tooltip: Option<&'static str>,
    /// A line under it (`description = "..."`, else the field's doc comment).
    pub description: Option<&'static str>,
    /// Shown but not editable.
    pub disabled: bool,
    /// Which input.
    pub kind: WidgetKind,
}

impl SettingField {
    /// The input showing `initial`.
    pub fn widget(self, initial: Value) -> InputWidget {
        InputWidget {
            kind: self.kind,
            id: self.id.to_owned(),
            label: self.label.to_owned(),
            initial,
            tooltip: self.tooltip.map(str::to_owned),
            description: self.description.map(str::to_owned),
            disabled: self.disabled,
        }
    }

    /// `Ok` when `value` (already of the field's type) is one the input offers: within a
    /// slider's range, among a select's choices.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let among = |items: &[SelectItem], v: &Value| match v.as_str() {
            Some(s) if items.iter().any(|i| i.value == s) => Ok(()),
            _ => Err(format!(
                "{v} is not one of {}",
                items
                    .iter()
                    .map(|i| format!("{:?}", i.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        match &self.kind {
            WidgetKind::Slider { min, max, .. } => match value.as_f64() {
                Some(n) if n >= *min && n <= *max => Ok(()),
                _ => Err(format!("{value} is outside {min} to {max}")),
            },
            WidgetKind::Select { items } | WidgetKind::Radio { items } => among(items, value),
            WidgetKind::MultiSelect { items } => match value.as_array() {
                Some(all) => all.iter().try_for_each(|v| among(items, v)),
                None => Err(format!("{value} is not a list")),
            },
            _ => Ok(()),
        }
    }
}

/// A type a settings field can have.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a chat setting",
    label = "not a settings field type",
    note = "settings fields are `bool`, integers, `f32`/`f64`, `String`, `Vec<String>`, or an enum with `#[derive(SettingChoice)]`"
)]
pub trait SettingValue: Sized + Send + Sync + 'static {
    /// The input this type gets unless the field names another.
    fn widget() -> WidgetKind;
    /// The value as the client sends and shows it.
    fn to_json(&self) -> Value;
    /// The value the client sent, or why it does not fit.
    fn from_json(value: &Value) -> Result<Self, String>;
}

/// A number: a slider or a number input.
#[diagnostic::on_unimplemented(
    message = "a slider or number input needs a number, not `{Self}`",
    label = "not a number",
    note = "give the field an integer or float type, or another input"
)]
pub trait NumberSetting: SettingValue {}

/// A `bool`: a switch or a checkbox.
#[diagnostic::on_unimplemented(
    message = "a switch or checkbox needs a `bool`, not `{Self}`",
    label = "not a bool"
)]
pub trait BoolSetting: SettingValue {}

/// A `String`: a text input, a date, or one of listed `options`.
#[diagnostic::on_unimplemented(
    message = "this input needs a `String` field, not `{Self}`",
    label = "not a String",
    note = "a select or radio over an enum needs no `options`: derive `SettingChoice` on the enum"
)]
pub trait TextSetting: SettingValue {}

/// A `Vec<String>`: tags, several of listed `options`, or a range of dates.
#[diagnostic::on_unimplemented(
    message = "this input needs a `Vec<String>` field, not `{Self}`",
    label = "not a Vec<String>"
)]
pub trait ListSetting: SettingValue {}

/// An enum of choices (`#[derive(SettingChoice)]`): a select or radio input.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an enum of choices",
    label = "no choices to offer",
    note = "derive `SettingChoice` on a field-less enum, or give a `String` field `options = [...]`"
)]
pub trait ChoiceSetting: SettingValue {
    /// The choices, in order.
    fn items() -> Vec<SelectItem>;
}

impl SettingValue for bool {
    fn widget() -> WidgetKind {
        WidgetKind::Switch
    }
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_json(value: &Value) -> Result<Self, String> {
        value
            .as_bool()
            .ok_or_else(|| format!("{value} is not true or false"))
    }
}
impl BoolSetting for bool {}

impl SettingValue for String {
    fn widget() -> WidgetKind {
        WidgetKind::TextInput {
            placeholder: None,
            multiline: false,
        }
    }
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
    fn from_json(value: &Value) -> Result<Self, String> {
        match value {
            Value::String(text) => Ok(text.clone()),
            // Chainlit's UI sends an emptied field as `null`.
            Value::Null => Ok(String::new()),
            other => Err(format!("{other} is not text")),
        }
    }
}
impl TextSetting for String {}

impl SettingValue for Vec<String> {
    fn widget() -> WidgetKind {
        WidgetKind::Tags
    }
    fn to_json(&self) -> Value {
        Value::Array(self.iter().cloned().map(Value::String).collect())
    }
    fn from_json(value: &Value) -> Result<Self, String> {
        match value {
            Value::Array(list) => list.iter().map(String::from_json).collect(),
            // An emptied field, as Chainlit's UI sends it.
            Value::Null => Ok(Vec::new()),
            other => Err(format!("{other} is not a list")),
        }
    }
}
impl ListSetting for Vec<String> {}

/// Integers: a number the client sent, whole and in the type's range.
macro_rules! integer_settings {
    ($($t:ty),*) => {$(
        impl SettingValue for $t {
            fn widget() -> WidgetKind {
                WidgetKind::NumberInput { placeholder: None }
            }
            fn to_json(&self) -> Value {
                Value::from(*self)
            }
            fn from_json(value: &Value) -> Result<Self, String> {
                let whole = value
                    .as_i64()
                    .map(i128::from)
                    .or_else(|| value.as_u64().map(i128::from))
                    .or_else(|| {
                        value
                            .as_f64()
                            .filter(|f| f.fract() == 0.0 && f.abs() < 1e18)
                            .map(|f| f as i128)
                    })
                    .ok_or_else(|| format!("{value} is not a whole number"))?;
                <$t>::try_from(whole).map_err(|_| {
                    format!("{value} is outside {} to {}", <$t>::MIN, <$t>::MAX)
                })
            }
        }
        impl NumberSetting for $t {}
    )*};
}
integer_settings!(i8, i16, i32, i64, u8, u16, u32, u64, isize, usize);

impl SettingValue for f64 {
    fn widget() -> WidgetKind {
        WidgetKind::NumberInput { placeholder: None }
    }
    fn to_json(&self) -> Value {
        serde_json::Number::from_f64(*self).map_or(Value::Null, Value::Number)
    }
    fn from_json(value: &Value) -> Result<Self, String> {
        value
            .as_f64()
            .ok_or_else(|| format!("{value} is not a number"))
    }
}
impl NumberSetting for f64 {}

impl SettingValue for f32 {
    fn widget() -> WidgetKind {
        WidgetKind::NumberInput { placeholder: None }
    }
    fn to_json(&self) -> Value {
        // Through its shortest text, so 0.1f32 is shown as 0.1 and not 0.10000000149.
        let shown: f64 = self.to_string().parse().unwrap_or(f64::from(*self));
        serde_json::Number::from_f64(shown).map_or(Value::Null, Value::Number)
    }
    fn from_json(value: &Value) -> Result<Self, String> {
        let n = f64::from_json(value)?;
        if n.is_finite() && n.abs() <= f64::from(f32::MAX) {
            Ok(n as f32)
        } else {
            Err(format!("{value} is outside the range of f32"))
        }
    }
}
impl NumberSetting for f32 {}

/// The current chat settings as `T` (injected into every chat hook; in
/// `#[on_settings_update]`, the values just submitted).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings<T>(pub T);

impl<T> std::ops::Deref for Settings<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The values of the settings panel while the user edits it, not submitted yet (injected into
/// `#[on_settings_edit]`); a value that does not fit keeps the current one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SettingsDraft<T>(pub T);

impl<T> std::ops::Deref for SettingsDraft<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The app's settings type behind one object, for the tab (which does not know the type).
pub(crate) trait SettingsPanel: Send + Sync {
    /// The inputs showing `current` (values that do not fit show the default).
    fn widgets(&self, current: &Map<String, Value>) -> Vec<InputWidget>;

    /// `stored` with what does not fit (or is missing) replaced by the default, and a line for
    /// each value replaced.
    fn normalized(&self, stored: &Map<String, Value>) -> (Map<String, Value>, Vec<String>);

    /// `current` with `incoming` applied, when every value in it fits; otherwise why not.
    fn changed(
        &self,
        current: &Map<String, Value>,
        incoming: &Map<String, Value>,
    ) -> Result<Map<String, Value>, String>;
}

/// The panel of `T`.
pub(crate) fn panel<T: ChatSettings>() -> Arc<dyn SettingsPanel> {
    Arc::new(Typed::<T>(PhantomData))
}

struct Typed<T>(PhantomData<fn() -> T>);

impl<T: ChatSettings> Typed<T> {
    fn current(current: &Map<String, Value>) -> T {
        T::read(current, T::default()).0
    }
}

impl<T: ChatSettings> SettingsPanel for Typed<T> {
    fn widgets(&self, current: &Map<String, Value>) -> Vec<InputWidget> {
        Self::current(current).widgets()
    }

    fn normalized(&self, stored: &Map<String, Value>) -> (Map<String, Value>, Vec<String>) {
        let (values, problems) = T::read(stored, T::default());
        (values.values(), problems)
    }

    fn changed(
        &self,
        current: &Map<String, Value>,
        incoming: &Map<String, Value>,
    ) -> Result<Map<String, Value>, String> {
        let fields = T::fields();
        let mut problems: Vec<String> = incoming
            .keys()
            .filter(|key| !fields.iter().any(|f| f.id == key.as_str()))
            .map(|key| format!("`{key}` is not a setting of this chat"))
            .collect();
        let (values, unfit) = T::read(incoming, Self::current(current));
        problems.extend(unfit);
        if problems.is_empty() {
            Ok(values.values())
        } else {
            Err(format!(
                "the chat settings were not changed: {}",
                problems.join("; ")
            ))
        }
    }
}

/// Reads field `field` of `values` into `slot` when it is there and fits; otherwise records
/// why not in `problems` (the derive's `read` calls it for each field).
pub fn read_field<T: SettingValue>(
    field: &SettingField,
    values: &Map<String, Value>,
    slot: &mut T,
    problems: &mut Vec<String>,
) {
    let Some(value) = values.get(field.id) else {
        return;
    };
    match T::from_json(value).and_then(|read| field.check(value).map(|()| read)) {
        Ok(read) => *slot = read,
        Err(why) => problems.push(format!("`{}`: {why}", field.id)),
    }
}

/// The inputs a field can name in `#[setting(...)]`, each for the field types it fits (the
/// derive calls them with the field's type, so a misfit is a compile error on the field).
pub mod inputs {
    use super::*;

    /// The input of the field's type.
    pub fn of_type<T: SettingValue>() -> WidgetKind {
        T::widget()
    }

    /// `slider(min = …, max = …, step = …)`.
    pub fn slider<T: NumberSetting>(min: f64, max: f64, step: f64) -> WidgetKind {
        WidgetKind::Slider { min, max, step }
    }

    /// `numberinput(placeholder = "…")`.
    pub fn number_input<T: NumberSetting>(placeholder: Option<&str>) -> WidgetKind {
        WidgetKind::NumberInput {
            placeholder: placeholder.map(str::to_owned),
        }
    }

    /// `switch`.
    pub fn switch<T: BoolSetting>() -> WidgetKind {
        WidgetKind::Switch
    }

    /// `checkbox`.
    pub fn checkbox<T: BoolSetting>() -> WidgetKind {
        WidgetKind::Checkbox
    }

    /// `textinput(placeholder = "…", multiline)`.
    pub fn text_input<T: TextSetting>(placeholder: Option<&str>, multiline: bool) -> WidgetKind {
        WidgetKind::TextInput {
            placeholder: placeholder.map(str::to_owned),
            multiline,
        }
    }

    fn items(options: &[&str]) -> Vec<SelectItem> {
        options
            .iter()
            .map(|o| SelectItem {
                label: (*o).to_owned(),
                value: (*o).to_owned(),
            })
            .collect()
    }

    /// `select(options = [...])` on a `String`.
    pub fn select_options<T: TextSetting>(options: &[&str]) -> WidgetKind {
        WidgetKind::Select {
            items: items(options),
        }
    }

    /// `radio(options = [...])` on a `String`.
    pub fn radio_options<T: TextSetting>(options: &[&str]) -> WidgetKind {
        WidgetKind::Radio {
            items: items(options),
        }
    }

    /// `select` on an enum of choices.
    pub fn select_choice<T: ChoiceSetting>() -> WidgetKind {
        WidgetKind::Select { items: T::items() }
    }

    /// `radio` on an enum of choices.
    pub fn radio_choice<T: ChoiceSetting>() -> WidgetKind {
        WidgetKind::Radio { items: T::items() }
    }

    /// `multiselect(options = [...])`.
    pub fn multiselect<T: ListSetting>(options: &[&str]) -> WidgetKind {
        WidgetKind::MultiSelect {
            items: items(options),
        }
    }

    /// `tags`.
    pub fn tags<T: ListSetting>() -> WidgetKind {
        WidgetKind::Tags
    }

    /// `datepicker(...)` on a `String` (one date).
    pub fn date<T: TextSetting>(
        min_date: Option<&str>,
        max_date: Option<&str>,
        format: Option<&str>,
        placeholder: Option<&str>,
    ) -> WidgetKind {
        date_picker("single", min_date, max_date, format, placeholder)
    }

    /// `datepicker(range, ...)` on a `Vec<String>` (a first and a last date).
    pub fn date_range<T: ListSetting>(
        min_date: Option<&str>,
        max_date: Option<&str>,
        format: Option<&str>,
        placeholder: Option<&str>,
    ) -> WidgetKind {
        date_picker("range", min_date, max_date, format, placeholder)
    }

    fn date_picker(
        mode: &str,
        min_date: Option<&str>,
        max_date: Option<&str>,
        format: Option<&str>,
        placeholder: Option<&str>,
    ) -> WidgetKind {
        WidgetKind::DatePicker {
            mode: mode.to_owned(),
            min_date: min_date.map(str::to_owned),
            max_date: max_date.map(str::to_owned),
            format: format.map(str::to_owned),
            placeholder: placeholder.map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_from_the_client_fit_their_type_or_say_why() {
        assert_eq!(u8::from_json(&json!(200)), Ok(200));
        assert_eq!(u8::from_json(&json!(2.0)), Ok(2), "a whole float");
        assert!(u8::from_json(&json!(256)).is_err_and(|e| e.contains("0 to 255")));
        assert!(u8::from_json(&json!(-1)).is_err());
        assert!(i64::from_json(&json!(1.5)).is_err_and(|e| e.contains("whole")));
        assert!(u64::from_json(&json!("3")).is_err());
        assert_eq!(i64::from_json(&json!(i64::MIN)), Ok(i64::MIN));
        assert_eq!(u64::from_json(&json!(u64::MAX)), Ok(u64::MAX));
        assert_eq!(f64::from_json(&json!(3)), Ok(3.0));
        assert!(f32::from_json(&json!(1e300)).is_err());
        assert_eq!(
            0.1f32.to_json(),
            json!(0.1),
            "f32 shown by its shortest text"
        );
        assert_eq!(String::from_json(&Value::Null), Ok(String::new()));
        assert!(String::from_json(&json!(3)).is_err());
        assert_eq!(
            Vec::<String>::from_json(&json!(["a"])),
            Ok(vec!["a".to_owned()])
        );
        assert!(Vec::<String>::from_json(&json!(["a", 1])).is_err());
        assert!(bool::from_json(&json!("true")).is_err());
    }

    #[test]
    fn inputs_check_ranges_and_choices() {
        let field = |kind| SettingField {
            id: "x",
            label: "X",
            tooltip: None,
            description: None,
            disabled: false,
            kind,
        };
        let slider = field(inputs::slider::<f64>(0.0, 2.0, 0.1));
        assert!(slider.check(&json!(2.0)).is_ok());
        assert!(slider.check(&json!(0)).is_ok());
        assert!(
            slider
                .check(&json!(2.01))
                .is_err_and(|e| e.contains("0 to 2"))
        );
        let select = field(inputs::select_options::<String>(&["a", "b"]));
        assert!(select.check(&json!("b")).is_ok());
        assert!(
            select
                .check(&json!("c"))
                .is_err_and(|e| e.contains("\"a\", \"b\""))
        );
        let many = field(inputs::multiselect::<Vec<String>>(&["a", "b"]));
        assert!(many.check(&json!(["a", "b"])).is_ok());
        assert!(many.check(&json!(["a", "z"])).is_err());
        assert!(field(WidgetKind::Switch).check(&json!(true)).is_ok());
    }
}
