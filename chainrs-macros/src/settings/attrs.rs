//! The grammar of `#[setting(...)]` on a settings field and `#[choice(...)]` on a choice:
//!
//! ```text
//! setting := "#[setting(" item ("," item)* ")]"
//! item    := "id" "=" STR | "label" "=" STR | "tooltip" "=" STR | "description" "=" STR
//!          | "disabled" | input
//! input   := "switch" | "checkbox" | "tags"
//!          | "slider(" "min" "=" NUM "," "max" "=" NUM ("," "step" "=" NUM)? ")"
//!          | "numberinput" ("(" "placeholder" "=" STR ")")?
//!          | "textinput" ("(" ("placeholder" "=" STR | "multiline") ("," …)* ")")?
//!          | ("select" | "radio") ("(" "options" "=" "[" STR ("," STR)* "]" ")")?
//!          | "multiselect(" "options" "=" "[" STR ("," STR)* "]" ")"
//!          | "datepicker" ("(" ("range" | "min_date" "=" STR | "max_date" "=" STR
//!                              | "format" "=" STR | "placeholder" "=" STR) ("," …)* ")")?
//! choice  := "#[choice(" ("label" "=" STR | "value" "=" STR) ("," …)* ")]"
//! ```

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;

use crate::errors::Errors;

/// The input a field names.
pub enum Input {
    Switch,
    Checkbox,
    Tags,
    Slider {
        min: f64,
        max: f64,
        step: f64,
    },
    Number {
        placeholder: Option<String>,
    },
    Text {
        placeholder: Option<String>,
        multiline: bool,
    },
    Select {
        options: Option<Vec<String>>,
    },
    Radio {
        options: Option<Vec<String>>,
    },
    MultiSelect {
        options: Vec<String>,
    },
    DatePicker {
        range: bool,
        min_date: Option<String>,
        max_date: Option<String>,
        format: Option<String>,
        placeholder: Option<String>,
    },
}

/// What a field's attribute (and its doc comment) says.
pub struct Setting {
    pub id: String,
    pub id_span: Span,
    pub label: String,
    pub tooltip: Option<String>,
    pub description: Option<String>,
    pub disabled: bool,
    pub input: Option<Input>,
}

const INPUTS: &str = "switch, checkbox, tags, slider(min = …, max = …, step = …), numberinput, textinput, select, radio, multiselect(options = [...]) or datepicker";

/// "max_tokens" → "Max tokens".
fn label_of(name: &str) -> String {
    let words = name.trim_start_matches("r#").replace('_', " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The field's doc comment as one line, if it has one.
fn doc_of(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }),
                ..
            }) => Some(s.value().trim().to_owned()),
            _ => None,
        })
        .filter(|line| !line.is_empty())
        .collect();
    (!lines.is_empty()).then(|| lines.join(" "))
}

fn string(meta: &ParseNestedMeta) -> syn::Result<String> {
    Ok(meta.value()?.parse::<syn::LitStr>()?.value())
}

/// A number literal, maybe negative: `2`, `0.1`, `-1.5`.
fn number(meta: &ParseNestedMeta) -> syn::Result<f64> {
    let value = meta.value()?;
    let negative = value.peek(syn::Token![-]);
    if negative {
        value.parse::<syn::Token![-]>()?;
    }
    let lit: syn::Lit = value.parse()?;
    let n = match &lit {
        syn::Lit::Float(f) => f.base10_parse::<f64>()?,
        syn::Lit::Int(i) => i.base10_parse::<f64>()?,
        other => {
            return Err(syn::Error::new(
                other.span(),
                "expected a number, such as `0`, `2.5` or `-1`",
            ));
        }
    };
    Ok(if negative { -n } else { n })
}

/// `options = ["a", "b"]`.
fn options(meta: &ParseNestedMeta) -> syn::Result<Vec<String>> {
    let value = meta.value()?;
    let list;
    syn::bracketed!(list in value);
    let items = list.parse_terminated(|p| p.parse::<syn::LitStr>(), syn::Token![,])?;
    if items.is_empty() {
        return Err(meta.error("`options` lists at least one choice: `options = [\"a\", \"b\"]`"));
    }
    Ok(items.iter().map(syn::LitStr::value).collect())
}

fn unknown(meta: &ParseNestedMeta, input: &str, known: &str) -> syn::Error {
    meta.error(format!(
        "unknown `{input}` argument\n\n= help: `{input}` takes {known}"
    ))
}

fn slider(meta: &ParseNestedMeta) -> syn::Result<Input> {
    let (mut min, mut max, mut step) = (None, None, None);
    meta.parse_nested_meta(|arg| {
        if arg.path.is_ident("min") {
            min = Some(number(&arg)?);
        } else if arg.path.is_ident("max") {
            max = Some(number(&arg)?);
        } else if arg.path.is_ident("step") {
            step = Some(number(&arg)?);
        } else {
            return Err(unknown(&arg, "slider", "`min`, `max` and `step`"));
        }
        Ok(())
    })?;
    let (Some(min), Some(max)) = (min, max) else {
        return Err(meta.error(
            "a slider needs its range\n\n= help: `slider(min = 0.0, max = 2.0, step = 0.1)`",
        ));
    };
    let step = step.unwrap_or(1.0);
    if min >= max {
        return Err(meta.error(format!(
            "the slider's `min` ({min}) is not below its `max` ({max})\n\n= help: give the lowest value as `min`"
        )));
    }
    if step <= 0.0 {
        return Err(meta.error(format!(
            "the slider's `step` ({step}) is not above zero\n\n= help: the distance between two values, such as `step = 0.1`"
        )));
    }
    Ok(Input::Slider { min, max, step })
}

fn input(meta: &ParseNestedMeta, name: &str) -> syn::Result<Option<Input>> {
    let has_args = meta.input.peek(syn::token::Paren);
    let none = |what: &str| -> syn::Result<()> {
        if has_args {
            Err(meta.error(format!("`{what}` takes no arguments")))
        } else {
            Ok(())
        }
    };
    Ok(Some(match name {
        "switch" => {
            none("switch")?;
            Input::Switch
        }
        "checkbox" => {
            none("checkbox")?;
            Input::Checkbox
        }
        "tags" => {
            none("tags")?;
            Input::Tags
        }
        "slider" => {
            if !has_args {
                return Err(meta.error(
                    "a slider needs its range\n\n= help: `slider(min = 0.0, max = 2.0, step = 0.1)`",
                ));
            }
            slider(meta)?
        }
        "numberinput" => {
            let mut placeholder = None;
            if has_args {
                meta.parse_nested_meta(|arg| {
                    if arg.path.is_ident("placeholder") {
                        placeholder = Some(string(&arg)?);
                        Ok(())
                    } else {
                        Err(unknown(&arg, "numberinput", "`placeholder`"))
                    }
                })?;
            }
            Input::Number { placeholder }
        }
        "textinput" => {
            let (mut placeholder, mut multiline) = (None, false);
            if has_args {
                meta.parse_nested_meta(|arg| {
                    if arg.path.is_ident("placeholder") {
                        placeholder = Some(string(&arg)?);
                    } else if arg.path.is_ident("multiline") {
                        multiline = true;
                    } else {
                        return Err(unknown(&arg, "textinput", "`placeholder` and `multiline`"));
                    }
                    Ok(())
                })?;
            }
            Input::Text {
                placeholder,
                multiline,
            }
        }
        "select" | "radio" | "multiselect" => {
            let mut listed = None;
            if has_args {
                meta.parse_nested_meta(|arg| {
                    if arg.path.is_ident("options") {
                        listed = Some(options(&arg)?);
                        Ok(())
                    } else {
                        Err(unknown(&arg, name, "`options = [\"a\", \"b\"]`"))
                    }
                })?;
            }
            match (name, listed) {
                ("select", options) => Input::Select { options },
                ("radio", options) => Input::Radio { options },
                (_, Some(options)) => Input::MultiSelect { options },
                (_, None) => {
                    return Err(meta.error(
                        "a multiselect needs its choices\n\n= help: `multiselect(options = [\"a\", \"b\"])` on a `Vec<String>`",
                    ));
                }
            }
        }
        "datepicker" => {
            let (mut range, mut min_date, mut max_date, mut format, mut placeholder) =
                (false, None, None, None, None);
            if has_args {
                meta.parse_nested_meta(|arg| {
                    if arg.path.is_ident("range") {
                        range = true;
                    } else if arg.path.is_ident("min_date") {
                        min_date = Some(string(&arg)?);
                    } else if arg.path.is_ident("max_date") {
                        max_date = Some(string(&arg)?);
                    } else if arg.path.is_ident("format") {
                        format = Some(string(&arg)?);
                    } else if arg.path.is_ident("placeholder") {
                        placeholder = Some(string(&arg)?);
                    } else {
                        return Err(unknown(
                            &arg,
                            "datepicker",
                            "`range`, `min_date`, `max_date`, `format` and `placeholder`",
                        ));
                    }
                    Ok(())
                })?;
            }
            Input::DatePicker {
                range,
                min_date,
                max_date,
                format,
                placeholder,
            }
        }
        _ => return Ok(None),
    }))
}

/// The setting of `field` (named `ident`): its attribute's items, with defaults for the rest.
pub fn setting(field: &syn::Field, ident: &syn::Ident) -> syn::Result<Setting> {
    let mut errors = Errors::default();
    let mut setting = Setting {
        id: ident.to_string().trim_start_matches("r#").to_owned(),
        id_span: ident.span(),
        label: label_of(&ident.to_string()),
        tooltip: None,
        description: doc_of(&field.attrs),
        disabled: false,
        input: None,
    };
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("setting")) {
        let parsed = attr.parse_nested_meta(|meta| {
            let Some(name) = meta.path.get_ident().map(ToString::to_string) else {
                return Err(meta.error(format!("unknown `setting` argument\n\n= help: use `id`, `label`, `tooltip`, `description`, `disabled` or an input: {INPUTS}")));
            };
            match name.as_str() {
                "id" => {
                    let lit = meta.value()?.parse::<syn::LitStr>()?;
                    if lit.value().is_empty() {
                        return Err(syn::Error::new(lit.span(), "an id cannot be empty"));
                    }
                    setting.id = lit.value();
                    setting.id_span = lit.span();
                }
                "label" => setting.label = string(&meta)?,
                "tooltip" => setting.tooltip = Some(string(&meta)?),
                "description" => setting.description = Some(string(&meta)?),
                "disabled" => setting.disabled = true,
                other => match input(&meta, other)? {
                    Some(chosen) => {
                        if setting.input.is_some() {
                            return Err(meta.error(
                                "a field is one input: this one names a second\n\n= help: keep one input per field",
                            ));
                        }
                        setting.input = Some(chosen);
                    }
                    None => {
                        return Err(meta.error(format!(
                            "unknown `setting` argument `{other}`\n\n= help: use `id`, `label`, `tooltip`, `description`, `disabled` or an input: {INPUTS}"
                        )));
                    }
                },
            }
            Ok(())
        });
        if let Err(e) = parsed {
            errors.add(e);
        }
    }
    errors.finish().map(|()| setting)
}

/// One variant of a choice enum.
pub struct Choice {
    pub variant: syn::Ident,
    pub value: String,
    pub label: String,
}

/// The choices of a `#[derive(SettingChoice)]` enum.
pub fn choices(input: &syn::DeriveInput) -> syn::Result<Vec<Choice>> {
    let mut errors = Errors::default();
    let syn::Data::Enum(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            "`SettingChoice` is derived on an enum without fields\n\n= help: each variant is one choice: `enum Model { Fast, Careful }`",
        ));
    };
    if !input.generics.params.is_empty() {
        errors.push_spanned(
            &input.generics,
            "a choice enum cannot be generic",
            "declare a concrete enum",
        );
    }
    if data.variants.is_empty() {
        errors.push(
            input.ident.span(),
            "a choice enum needs at least one variant",
            "each variant is one choice: `enum Model { Fast, Careful }`",
        );
    }
    let mut out: Vec<Choice> = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, syn::Fields::Unit) {
            errors.push_spanned(
                &variant.fields,
                format!("choice `{}` has fields", variant.ident),
                "a choice is a name only: remove its fields",
            );
            continue;
        }
        let mut value = variant.ident.to_string();
        let mut label = None;
        for attr in variant.attrs.iter().filter(|a| a.path().is_ident("choice")) {
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("value") {
                    value = string(&meta)?;
                } else if meta.path.is_ident("label") {
                    label = Some(string(&meta)?);
                } else {
                    return Err(meta.error(
                        "unknown `choice` argument\n\n= help: use `value = \"...\"` (what the app receives) or `label = \"...\"` (what the user sees)",
                    ));
                }
                Ok(())
            });
            if let Err(e) = parsed {
                errors.add(e);
            }
        }
        if let Some(first) = out.iter().find(|c| c.value == value) {
            errors.push(
                variant.ident.span(),
                format!(
                    "the value `{value}` is taken by `{}` already",
                    first.variant
                ),
                "each choice needs its own value: give one `#[choice(value = \"...\")]`",
            );
        }
        out.push(Choice {
            variant: variant.ident.clone(),
            label: label.unwrap_or_else(|| value.clone()),
            value,
        });
    }
    errors.finish().map(|()| out)
}

#[cfg(test)]
mod tests {
    use super::label_of;

    #[test]
    fn labels_come_from_field_names() {
        assert_eq!(label_of("max_tokens"), "Max tokens");
        assert_eq!(label_of("temperature"), "Temperature");
        assert_eq!(label_of("r#type"), "Type");
    }
}
