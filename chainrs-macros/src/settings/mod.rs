//! `#[derive(ChatSettings)]`: a struct whose fields are the inputs of the chat settings panel,
//! and `#[derive(SettingChoice)]`: a field-less enum as the choices of a select input.
//! Parse (the struct, each field's `#[setting(...)]`) → validate (every problem at once) →
//! expand; the input kind of a field is checked against its type by the runtime's bounds, so a
//! misfit is reported on the field's type.

mod attrs;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::errors::Errors;
use attrs::{Input, Setting};

/// Expands `#[derive(ChatSettings)]`, or reports every problem with the input at once.
pub fn expand(item: TokenStream) -> TokenStream {
    let input = match syn::parse2::<syn::DeriveInput>(item) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    match parse(&input) {
        Ok(fields) => generate(&input.ident, &fields),
        Err(e) => e.to_compile_error(),
    }
}

/// One field with what its attribute says.
struct Field {
    ident: syn::Ident,
    ty: syn::Type,
    setting: Setting,
}

fn parse(input: &syn::DeriveInput) -> Result<Vec<Field>, syn::Error> {
    let mut errors = Errors::default();
    if !input.generics.params.is_empty() {
        errors.push_spanned(
            &input.generics,
            "a settings type cannot be generic",
            "its fields are the inputs of one panel: declare a concrete struct",
        );
    }
    let named = match &input.data {
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Named(named),
            ..
        }) => named,
        _ => {
            return Err(errors.fail(syn::Error::new(
                input.ident.span(),
                "`ChatSettings` is derived on a struct with named fields\n\n= help: each field is one input of the settings panel: `struct Tuning { temperature: f64, streaming: bool }`",
            )));
        }
    };
    let mut fields = Vec::new();
    for field in &named.named {
        let Some(ident) = field.ident.clone() else {
            continue;
        };
        match attrs::setting(field, &ident) {
            Ok(setting) => fields.push(Field {
                ident,
                ty: field.ty.clone(),
                setting,
            }),
            Err(e) => errors.add(e),
        }
    }
    for (i, field) in fields.iter().enumerate() {
        if let Some(first) = fields[..i]
            .iter()
            .find(|f| f.setting.id == field.setting.id)
        {
            errors.push(
                field.setting.id_span,
                format!(
                    "the id `{}` is used by `{}` already",
                    field.setting.id, first.ident
                ),
                "each input needs its own id: give one field another `#[setting(id = \"...\")]`",
            );
        }
    }
    if fields.is_empty() && named.named.is_empty() {
        errors.push(
            input.ident.span(),
            "a settings struct needs at least one field",
            "each field is one input of the panel: `struct Tuning { temperature: f64 }`",
        );
    }
    errors.finish().map(|()| fields)
}

fn optional(value: &Option<String>) -> TokenStream {
    let p = crate::exports::private();
    match value {
        Some(text) => quote!(#p::Option::Some(#text)),
        None => quote!(#p::Option::None),
    }
}

/// The input kind of `field`, built by the runtime function for it with the field's type, so
/// that a kind the type does not fit is an error on the type.
fn kind(field: &Field) -> TokenStream {
    let ty = &field.ty;
    let p = crate::exports::private_at(ty.span());
    let call = match &field.setting.input {
        None => quote!(of_type::<#ty>()),
        Some(Input::Switch) => quote!(switch::<#ty>()),
        Some(Input::Checkbox) => quote!(checkbox::<#ty>()),
        Some(Input::Tags) => quote!(tags::<#ty>()),
        Some(Input::Slider { min, max, step }) => quote!(slider::<#ty>(#min, #max, #step)),
        Some(Input::Number { placeholder }) => {
            let placeholder = optional(placeholder);
            quote!(number_input::<#ty>(#placeholder))
        }
        Some(Input::Text {
            placeholder,
            multiline,
        }) => {
            let placeholder = optional(placeholder);
            quote!(text_input::<#ty>(#placeholder, #multiline))
        }
        Some(Input::Select { options: None }) => quote!(select_choice::<#ty>()),
        Some(Input::Select {
            options: Some(options),
        }) => quote!(select_options::<#ty>(&[#(#options),*])),
        Some(Input::Radio { options: None }) => quote!(radio_choice::<#ty>()),
        Some(Input::Radio {
            options: Some(options),
        }) => quote!(radio_options::<#ty>(&[#(#options),*])),
        Some(Input::MultiSelect { options }) => quote!(multiselect::<#ty>(&[#(#options),*])),
        Some(Input::DatePicker {
            range,
            min_date,
            max_date,
            format,
            placeholder,
        }) => {
            let (min, max, format, placeholder) = (
                optional(min_date),
                optional(max_date),
                optional(format),
                optional(placeholder),
            );
            if *range {
                quote!(date_range::<#ty>(#min, #max, #format, #placeholder))
            } else {
                quote!(date::<#ty>(#min, #max, #format, #placeholder))
            }
        }
    };
    quote_spanned!(ty.span()=> #p::inputs::#call)
}

fn generate(name: &syn::Ident, fields: &[Field]) -> TokenStream {
    let p = crate::exports::private();
    let trait_path = crate::exports::chat_settings();
    let descriptions = fields.iter().map(|field| {
        let Setting {
            id,
            label,
            tooltip,
            description,
            disabled,
            ..
        } = &field.setting;
        let (tooltip, description) = (optional(tooltip), optional(description));
        let kind = kind(field);
        quote! {
            #p::SettingField {
                id: #id,
                label: #label,
                tooltip: #tooltip,
                description: #description,
                disabled: #disabled,
                kind: #kind,
            }
        }
    });
    let values = fields.iter().map(|field| {
        let (ident, ty, id) = (&field.ident, &field.ty, &field.setting.id);
        let p = crate::exports::private_at(ty.span());
        quote_spanned! {ty.span()=>
            values.insert(#p::String::from(#id), <#ty as #p::SettingValue>::to_json(&self.#ident));
        }
    });
    let reads = fields.iter().enumerate().map(|(i, field)| {
        let (ident, ty) = (&field.ident, &field.ty);
        let p = crate::exports::private_at(ty.span());
        quote_spanned! {ty.span()=>
            #p::read_field::<#ty>(&fields[#i], values, &mut base.#ident, &mut problems);
        }
    });
    // Each field type's bound, on the impl: a type that is no setting is reported once, on
    // the field, instead of at each use in the body.
    let bounds = fields.iter().map(|field| {
        let ty = &field.ty;
        // Spanned at the type's last token, so the bound covers the whole type.
        let last = quote::ToTokens::to_token_stream(ty)
            .into_iter()
            .last()
            .map_or_else(|| ty.span(), |t| t.span());
        let p = crate::exports::private_at(last);
        quote_spanned!(last=> #ty: #p::SettingValue)
    });
    quote! {
        impl #trait_path for #name where #(#bounds),* {
            fn fields() -> #p::Vec<#p::SettingField> {
                #p::Vec::from([#(#descriptions),*])
            }

            fn values(&self) -> #p::Map<#p::String, #p::Value> {
                let mut values = #p::Map::new();
                #(#values)*
                values
            }

            fn read(
                values: &#p::Map<#p::String, #p::Value>,
                mut base: Self,
            ) -> (Self, #p::Vec<#p::String>) {
                let fields = <Self as #trait_path>::fields();
                let mut problems = #p::Vec::new();
                #(#reads)*
                (base, problems)
            }
        }
    }
}

/// Expands `#[derive(SettingChoice)]` on a field-less enum: each variant a choice, its value
/// the variant's name or `#[choice(value = "...")]`, its label the value or `label = "..."`.
pub fn expand_choice(item: TokenStream) -> TokenStream {
    let input = match syn::parse2::<syn::DeriveInput>(item) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    match attrs::choices(&input) {
        Ok(choices) => generate_choice(&input.ident, &choices),
        Err(e) => e.to_compile_error(),
    }
}

fn generate_choice(name: &syn::Ident, choices: &[attrs::Choice]) -> TokenStream {
    let p = crate::exports::private();
    let variants: Vec<&syn::Ident> = choices.iter().map(|c| &c.variant).collect();
    let values: Vec<&String> = choices.iter().map(|c| &c.value).collect();
    let labels: Vec<&String> = choices.iter().map(|c| &c.label).collect();
    let listed = values
        .iter()
        .map(|v| format!("{v:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    quote! {
        impl #p::SettingValue for #name {
            fn widget() -> #p::WidgetKind {
                #p::WidgetKind::Select { items: <Self as #p::ChoiceSetting>::items() }
            }

            fn to_json(&self) -> #p::Value {
                #p::Value::String(#p::String::from(match self {
                    #(Self::#variants => #values,)*
                }))
            }

            fn from_json(value: &#p::Value) -> ::core::result::Result<Self, #p::String> {
                match value.as_str() {
                    #(#p::Option::Some(#values) => ::core::result::Result::Ok(Self::#variants),)*
                    _ => ::core::result::Result::Err(#p::format_is_not_one_of(value, #listed)),
                }
            }
        }

        impl #p::ChoiceSetting for #name {
            fn items() -> #p::Vec<#p::SelectItem> {
                #p::Vec::from([#(#p::SelectItem {
                    label: #p::String::from(#labels),
                    value: #p::String::from(#values),
                }),*])
            }
        }
    }
}
