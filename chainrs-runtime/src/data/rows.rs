//! Rows as both backends read and write them, and their conversion to and from the wire shapes:
//! the columns of Chainlit's schema, one struct per table.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::error::BoxError;

use crate::protocol::{
    Display, ElementDict, ElementKind, ElementSize, FeedbackDict, Page, PageInfo, StepDict,
    StepType, ThreadDict,
};

/// A `"Step"` row.
pub(crate) struct StepRow {
    pub(crate) id: String,
    pub(crate) thread_id: Option<String>,
    pub(crate) parent_id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) kind: String,
    pub(crate) input: Option<String>,
    pub(crate) output: Option<String>,
    pub(crate) metadata: Map<String, Value>,
    pub(crate) created_at: String,
    pub(crate) start: String,
    pub(crate) end: String,
    pub(crate) show_input: Option<String>,
    pub(crate) is_error: bool,
}

/// A wire enum's name (`"assistant_message"`), as the `type` column holds it.
fn name_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(name)) => name,
        _ => String::new(),
    }
}

/// A wire enum from its name; `None` for a name it does not have.
fn parse<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(Value::String(name.to_owned())).ok()
}

impl StepRow {
    /// The row of a step, started at `start` and ended at `end`.
    pub(crate) fn of(step: &StepDict, start: String, end: String) -> Self {
        StepRow {
            id: step.id.to_string(),
            thread_id: step.thread_id.map(|t| t.to_string()),
            parent_id: step.parent_id.map(|p| p.to_string()),
            name: Some(step.name.clone()),
            kind: name_of(&step.step_type),
            input: Some(step.input.clone()),
            output: Some(step.output.clone()),
            metadata: step.metadata.clone(),
            created_at: step.created_at.clone().unwrap_or_else(|| start.clone()),
            start,
            end,
            show_input: Some(match &step.show_input {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            is_error: step.is_error,
        }
    }

    fn into_dict(self) -> Option<StepDict> {
        let mut step = StepDict::new(
            parse(&self.kind).unwrap_or(StepType::Undefined),
            self.name.unwrap_or_default(),
        );
        step.id = Uuid::parse_str(&self.id).ok()?;
        step.thread_id = self.thread_id.and_then(|t| Uuid::parse_str(&t).ok());
        step.parent_id = self.parent_id.and_then(|p| Uuid::parse_str(&p).ok());
        step.input = self.input.unwrap_or_default();
        step.output = self.output.unwrap_or_default();
        step.metadata = self.metadata;
        step.created_at = Some(self.created_at);
        step.start = Some(self.start);
        step.end = Some(self.end);
        step.is_error = self.is_error;
        step.show_input = match self.show_input.as_deref() {
            None | Some("json") => json!("json"),
            Some("true") => json!(true),
            Some("false") => json!(false),
            Some(other) => json!(other),
        };
        Some(step)
    }
}

/// An `"Element"` row. The kind and the fields without a column of their own ride in `metadata`.
pub(crate) struct ElementRow {
    pub(crate) id: String,
    pub(crate) thread_id: Option<String>,
    pub(crate) step_id: String,
    pub(crate) metadata: Map<String, Value>,
    pub(crate) mime: Option<String>,
    pub(crate) name: String,
    pub(crate) object_key: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) chainlit_key: Option<String>,
    pub(crate) display: Option<String>,
    pub(crate) size: Option<String>,
    pub(crate) language: Option<String>,
    pub(crate) page: Option<i32>,
    pub(crate) props: Option<Map<String, Value>>,
}

impl ElementRow {
    /// The row of an element; `None` without the step it belongs to (`forId`).
    pub(crate) fn of(element: &ElementDict) -> Option<Self> {
        let step = element.for_id?;
        let mut metadata = Map::new();
        metadata.insert("type".to_owned(), Value::String(name_of(&element.kind)));
        if let Some(auto_play) = element.auto_play {
            metadata.insert("autoPlay".to_owned(), Value::Bool(auto_play));
        }
        if let Some(config) = &element.player_config {
            metadata.insert("playerConfig".to_owned(), config.clone());
        }
        Some(ElementRow {
            id: element.id.to_string(),
            thread_id: element.thread_id.map(|t| t.to_string()),
            step_id: step.to_string(),
            metadata,
            mime: element.mime.clone(),
            name: element.name.clone(),
            object_key: element.object_key.clone(),
            url: element.url.clone(),
            chainlit_key: element.chainlit_key.clone(),
            display: Some(name_of(&element.display)),
            size: element.size.as_ref().map(name_of),
            language: element.language.clone(),
            page: element.page.and_then(|p| i32::try_from(p).ok()),
            props: element.props.clone(),
        })
    }

    pub(crate) fn into_dict(self) -> Option<ElementDict> {
        let kind = self
            .metadata
            .get("type")
            .and_then(Value::as_str)
            .and_then(parse::<ElementKind>)
            .unwrap_or_default();
        let mut element = ElementDict::new(kind, self.name);
        element.id = Uuid::parse_str(&self.id).ok()?;
        element.thread_id = self.thread_id.and_then(|t| Uuid::parse_str(&t).ok());
        element.for_id = Uuid::parse_str(&self.step_id).ok();
        element.mime = self.mime;
        element.object_key = self.object_key;
        element.url = self.url;
        element.chainlit_key = self.chainlit_key;
        element.display = self
            .display
            .as_deref()
            .and_then(parse::<Display>)
            .unwrap_or_default();
        element.size = self.size.as_deref().and_then(parse::<ElementSize>);
        element.language = self.language;
        element.page = self.page.and_then(|p| u32::try_from(p).ok());
        element.props = self.props;
        element.auto_play = self.metadata.get("autoPlay").and_then(Value::as_bool);
        element.player_config = self.metadata.get("playerConfig").cloned();
        Some(element)
    }
}

/// A `"Feedback"` row.
pub(crate) struct FeedbackRow {
    pub(crate) id: String,
    pub(crate) step_id: Option<String>,
    pub(crate) value: f64,
    pub(crate) comment: Option<String>,
}

/// A whole thread from its row's fields and the rows under it; each step gets its latest
/// feedback (`feedback` comes oldest first).
#[allow(clippy::too_many_arguments)]
pub(crate) fn thread(
    id: Uuid,
    created_at: String,
    name: Option<String>,
    user_id: Option<String>,
    user_identifier: Option<String>,
    tags: Option<Vec<String>>,
    metadata: Map<String, Value>,
    steps: Vec<StepRow>,
    feedback: Vec<FeedbackRow>,
    elements: Vec<ElementRow>,
) -> ThreadDict {
    let mut steps: Vec<StepDict> = steps.into_iter().filter_map(StepRow::into_dict).collect();
    for row in feedback {
        let (Some(step_id), Ok(feedback_id)) = (row.step_id, Uuid::parse_str(&row.id)) else {
            continue;
        };
        let Ok(step_id) = Uuid::parse_str(&step_id) else {
            continue;
        };
        if let Some(step) = steps.iter_mut().find(|s| s.id == step_id) {
            step.feedback = Some(FeedbackDict {
                for_id: step_id,
                id: Some(feedback_id),
                value: row.value.round() as i32,
                comment: row.comment,
            });
        }
    }
    ThreadDict {
        id,
        created_at,
        name,
        user_id,
        user_identifier,
        tags,
        metadata,
        steps,
        elements: elements
            .into_iter()
            .filter_map(ElementRow::into_dict)
            .collect(),
    }
}

/// A page of at most `first` threads from up to `first + 1` rows (one more says a next page).
pub(crate) fn page(mut data: Vec<ThreadDict>, first: usize) -> Page<ThreadDict> {
    let has_next_page = data.len() > first;
    data.truncate(first);
    Page {
        page_info: PageInfo {
            has_next_page,
            start_cursor: data.first().map(|t| t.id.to_string()),
            end_cursor: data.last().map(|t| t.id.to_string()),
        },
        data,
    }
}

/// `metadata` with `changes` merged in: a `null` removes its key.
pub(crate) fn merge_metadata(metadata: &mut Map<String, Value>, changes: Map<String, Value>) {
    for (key, value) in changes {
        if value.is_null() {
            metadata.remove(&key);
        } else {
            metadata.insert(key, value);
        }
    }
}

/// What a transaction has made already, so that a batch makes it once: the threads it touched
/// and the parent steps it created (a batch holds many steps of one thread and one run).
#[derive(Default)]
pub(crate) struct Seen {
    threads: std::collections::HashSet<Uuid>,
    parents: std::collections::HashSet<Uuid>,
}

impl Seen {
    /// `true` the first time `thread` is seen.
    pub(crate) fn thread(&mut self, thread: Uuid) -> bool {
        self.threads.insert(thread)
    }

    /// `true` the first time `parent` is seen (since its deletion) as a parent or as a step
    /// the transaction made.
    pub(crate) fn parent(&mut self, parent: Uuid) -> bool {
        self.parents.insert(parent)
    }

    /// Step `step` is made: a later child need not make it.
    pub(crate) fn made(&mut self, step: Uuid) {
        self.parents.insert(step);
    }

    /// A step is deleted, and with it its children: a later child makes its parent again
    /// (with `DO NOTHING`, so a parent that is still there stays as it is).
    pub(crate) fn deleted(&mut self) {
        self.parents.clear();
    }
}

/// The time a step started, as stored (its start, else its creation, else now).
pub(crate) fn started(step: &StepDict) -> String {
    step.start
        .clone()
        .or_else(|| step.created_at.clone())
        .unwrap_or_else(crate::protocol::now_iso)
}

/// A database error as the data layer reports it: a broken constraint is a [`Refused`]
/// write (retrying will not help); anything else may pass (the database away, a timeout).
///
/// [`Refused`]: super::Refused
pub(crate) fn boxed(err: sqlx::Error) -> BoxError {
    if let sqlx::Error::Database(db) = &err
        && !matches!(db.kind(), sqlx::error::ErrorKind::Other)
    {
        return Box::new(super::Refused(db.to_string()));
    }
    Box::new(err)
}

/// A JSON object as text.
pub(crate) fn json_text(map: &Map<String, Value>) -> String {
    Value::Object(map.clone()).to_string()
}

/// A JSON object from text; anything else (none, not JSON, not an object) is empty.
pub(crate) fn json_map(text: Option<String>) -> Map<String, Value> {
    match text.and_then(|t| serde_json::from_str::<Value>(&t).ok()) {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The readers of the four row kinds for a backend's row type: each backend selects the same
/// column names (times and JSON as text), so one definition serves both.
macro_rules! row_readers {
    ($row:ty) => {
        fn user_of(row: &$row) -> std::result::Result<PersistedUser, sqlx::Error> {
            Ok(PersistedUser {
                id: row.try_get("id")?,
                identifier: row.try_get("identifier")?,
                metadata: json_map(row.try_get("metadata")?),
                created_at: row.try_get("createdAt")?,
            })
        }

        fn step_of(row: &$row) -> std::result::Result<StepRow, sqlx::Error> {
            Ok(StepRow {
                id: row.try_get("id")?,
                thread_id: row.try_get("threadId")?,
                parent_id: row.try_get("parentId")?,
                name: row.try_get("name")?,
                kind: row.try_get("type")?,
                input: row.try_get("input")?,
                output: row.try_get("output")?,
                metadata: json_map(row.try_get("metadata")?),
                created_at: row.try_get("createdAt")?,
                start: row.try_get("startTime")?,
                end: row.try_get("endTime")?,
                show_input: row.try_get("showInput")?,
                is_error: row.try_get::<Option<bool>, _>("isError")?.unwrap_or(false),
            })
        }

        fn element_of(row: &$row) -> std::result::Result<ElementRow, sqlx::Error> {
            Ok(ElementRow {
                id: row.try_get("id")?,
                thread_id: row.try_get("threadId")?,
                step_id: row.try_get("stepId")?,
                metadata: json_map(row.try_get("metadata")?),
                mime: row.try_get("mime")?,
                name: row.try_get("name")?,
                object_key: row.try_get("objectKey")?,
                url: row.try_get("url")?,
                chainlit_key: row.try_get("chainlitKey")?,
                display: row.try_get("display")?,
                size: row.try_get("size")?,
                language: row.try_get("language")?,
                page: row.try_get("page")?,
                props: row
                    .try_get::<Option<String>, _>("props")?
                    .map(|p| json_map(Some(p))),
            })
        }

        fn feedback_of(row: &$row) -> std::result::Result<FeedbackRow, sqlx::Error> {
            Ok(FeedbackRow {
                id: row.try_get("id")?,
                step_id: row.try_get("stepId")?,
                value: row.try_get("value")?,
                comment: row.try_get("comment")?,
            })
        }
    };
}
pub(crate) use row_readers;
