//! The data layer contract, run against every backend (SQLite here, PostgreSQL in its own
//! module's tests): what `DataLayer`'s docs promise, checked call by call.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Change, DataLayer, ElementContent, ThreadUpdate};
use crate::auth::User;
use crate::protocol::{
    ElementDict, ElementKind, FeedbackDict, Pagination, StepDict, StepType, ThreadFilter,
};

fn map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn step(thread: Uuid, kind: StepType, output: &str, start: &str) -> StepDict {
    let mut step = StepDict::new(kind, "Assistant");
    step.thread_id = Some(thread);
    step.output = output.to_owned();
    step.created_at = Some(start.to_owned());
    step.start = Some(start.to_owned());
    step.end = Some(start.to_owned());
    step
}

/// Every promise of the trait, on one backend.
pub(crate) async fn run(layer: &dyn DataLayer) {
    users(layer).await;
    threads_and_steps(layer).await;
    listing(layer).await;
    deletion(layer).await;
    contents(layer).await;
    batches(layer).await;
    parents_in_a_batch(layer).await;
}

async fn users(layer: &dyn DataLayer) {
    assert_eq!(layer.get_user("nobody").await.expect("get"), None);
    let mut ada = User::new("ada");
    ada.metadata = map(json!({"plan": "free"}));
    let stored = layer.create_user(&ada).await.expect("create");
    assert_eq!(stored.identifier, "ada");
    assert_eq!(stored.metadata, map(json!({"plan": "free"})));
    ada.metadata = map(json!({"plan": "pro"}));
    let again = layer.create_user(&ada).await.expect("upsert");
    assert_eq!(again.id, stored.id, "an upsert on the identifier");
    assert_eq!(again.metadata, map(json!({"plan": "pro"})));
    assert_eq!(layer.get_user("ada").await.expect("get"), Some(again));
}

async fn threads_and_steps(layer: &dyn DataLayer) {
    let user = layer.create_user(&User::new("bo")).await.expect("user");
    let thread = Uuid::new_v4();
    assert_eq!(layer.get_thread(thread).await.expect("get"), None);
    assert_eq!(layer.get_thread_author(thread).await.expect("author"), None);

    // A step of an unknown thread creates it; a missing parent is created too.
    let parent = Uuid::new_v4();
    let mut question = step(
        thread,
        StepType::UserMessage,
        "hello",
        "2026-01-01T00:00:01.000Z",
    );
    question.parent_id = Some(parent);
    layer.upsert_step(question.clone()).await.expect("step");
    let mut answer = step(
        thread,
        StepType::AssistantMessage,
        "hi!",
        "2026-01-01T00:00:02.000Z",
    );
    answer.metadata = map(json!({"model": "x"}));
    layer.upsert_step(answer.clone()).await.expect("step");

    // Empty input/output and a `run` type keep what was stored.
    let mut blank = answer.clone();
    blank.output = String::new();
    blank.step_type = StepType::Run;
    blank.metadata = Map::new();
    layer.upsert_step(blank).await.expect("upsert");

    layer
        .update_thread(
            thread,
            ThreadUpdate {
                name: Some("hello".to_owned()),
                user_id: Some(user.id.clone()),
                metadata: Some(map(json!({"a": 1, "b": 2}))),
                tags: Some(vec!["t1".to_owned()]),
            },
        )
        .await
        .expect("update");
    layer
        .update_thread(
            thread,
            ThreadUpdate {
                metadata: Some(map(json!({"b": null, "c": 3}))),
                ..ThreadUpdate::default()
            },
        )
        .await
        .expect("merge");
    let feedback = layer
        .upsert_feedback(FeedbackDict {
            for_id: answer.id,
            id: None,
            value: 1,
            comment: Some("good".to_owned()),
        })
        .await
        .expect("feedback");
    let same = layer
        .upsert_feedback(FeedbackDict {
            for_id: answer.id,
            id: Some(feedback),
            value: 0,
            comment: None,
        })
        .await
        .expect("feedback update");
    assert_eq!(same, feedback);
    assert_eq!(
        layer.get_feedback_step(feedback).await.expect("feedback"),
        Some(answer.id)
    );
    let mut image = ElementDict::new(ElementKind::Image, "chart");
    image.for_id = Some(answer.id);
    image.thread_id = Some(thread);
    image.chainlit_key = Some("key-1".to_owned());
    image.mime = Some("image/png".to_owned());
    image.page = Some(2);
    layer.create_element(image.clone()).await.expect("element");

    let got = layer
        .get_thread(thread)
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(got.name.as_deref(), Some("hello"));
    assert_eq!(got.user_identifier.as_deref(), Some("bo"));
    assert_eq!(got.user_id.as_deref(), Some(user.id.as_str()));
    assert_eq!(got.tags.as_deref(), Some(&["t1".to_owned()][..]));
    assert_eq!(
        got.metadata,
        map(json!({"a": 1, "c": 3})),
        "merged; null removed"
    );
    let messages: Vec<(&str, StepType)> = got
        .steps
        .iter()
        .filter(|s| s.id != parent)
        .map(|s| (s.output.as_str(), s.step_type))
        .collect();
    assert_eq!(
        messages,
        [
            ("hello", StepType::UserMessage),
            ("hi!", StepType::AssistantMessage)
        ],
        "in start order, output and type kept"
    );
    assert!(
        got.steps.iter().any(|s| s.id == parent),
        "the missing parent was created"
    );
    let stored_answer = got
        .steps
        .iter()
        .find(|s| s.id == answer.id)
        .expect("answer");
    assert_eq!(stored_answer.metadata, map(json!({"model": "x"})));
    let on_answer = stored_answer
        .feedback
        .as_ref()
        .expect("feedback on the step");
    assert_eq!((on_answer.value, on_answer.id), (0, Some(feedback)));
    assert_eq!(got.elements.len(), 1);
    let element = &got.elements[0];
    assert_eq!(
        (
            element.id,
            element.for_id,
            element.chainlit_key.as_deref(),
            element.page
        ),
        (image.id, Some(answer.id), Some("key-1"), Some(2))
    );
    assert_eq!(
        layer.get_element(thread, image.id).await.expect("element"),
        Some(element.clone())
    );
    assert_eq!(
        layer
            .get_thread_author(thread)
            .await
            .expect("author")
            .as_deref(),
        Some("bo")
    );
    assert_eq!(
        layer.get_step_thread(answer.id).await.expect("step"),
        Some(thread)
    );
    assert_eq!(
        layer.get_step_thread(Uuid::new_v4()).await.expect("step"),
        None
    );

    assert!(layer.delete_feedback(feedback).await.expect("delete"));
    assert!(!layer.delete_feedback(feedback).await.expect("again"));
    layer
        .delete_element(image.id)
        .await
        .expect("delete element");
    let got = layer
        .get_thread(thread)
        .await
        .expect("get")
        .expect("stored");
    assert!(got.elements.is_empty());
    assert!(got.steps.iter().all(|s| s.feedback.is_none()));
}

async fn listing(layer: &dyn DataLayer) {
    let user = layer.create_user(&User::new("cy")).await.expect("user");
    let other = layer.create_user(&User::new("di")).await.expect("user");
    let mut ids = Vec::new();
    for n in 0..5 {
        let thread = Uuid::new_v4();
        let first = format!("2026-02-01T00:00:0{n}.000Z");
        layer
            .upsert_step(step(thread, StepType::UserMessage, "q", &first))
            .await
            .expect("step");
        layer
            .update_thread(
                thread,
                ThreadUpdate {
                    name: Some(format!("Topic {n}")),
                    user_id: Some(user.id.clone()),
                    ..ThreadUpdate::default()
                },
            )
            .await
            .expect("thread");
        ids.push(thread);
        // Activity is ordered by the store's clock: keep the updates apart.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let theirs = Uuid::new_v4();
    layer
        .update_thread(
            theirs,
            ThreadUpdate {
                name: Some("Topic other".to_owned()),
                user_id: Some(other.id.clone()),
                ..ThreadUpdate::default()
            },
        )
        .await
        .expect("thread");
    let mine = |first, cursor: Option<String>| {
        let filter = ThreadFilter {
            user_id: Some(user.id.clone()),
            ..ThreadFilter::default()
        };
        (filter, Pagination { first, cursor })
    };
    let (filter, page) = mine(2, None);
    let first = layer.list_threads(page, filter).await.expect("list");
    let order: Vec<Uuid> = first.data.iter().map(|t| t.id).collect();
    assert_eq!(order, [ids[4], ids[3]], "newest activity first");
    assert!(first.page_info.has_next_page);
    let (filter, page) = mine(2, first.page_info.end_cursor.clone());
    let second = layer.list_threads(page, filter).await.expect("list");
    assert_eq!(
        second.data.iter().map(|t| t.id).collect::<Vec<_>>(),
        [ids[2], ids[1]]
    );
    let (filter, page) = mine(2, second.page_info.end_cursor.clone());
    let last = layer.list_threads(page, filter).await.expect("list");
    assert_eq!(last.data.iter().map(|t| t.id).collect::<Vec<_>>(), [ids[0]]);
    assert!(!last.page_info.has_next_page);

    let (mut filter, page) = mine(10, None);
    filter.search = Some("TOPIC 3".to_owned());
    let found = layer.list_threads(page, filter).await.expect("search");
    assert_eq!(
        found.data.iter().map(|t| t.id).collect::<Vec<_>>(),
        [ids[3]]
    );

    // Feedback: only threads with a reply of that value.
    let rated = step(
        ids[1],
        StepType::AssistantMessage,
        "a",
        "2026-02-01T00:00:09.000Z",
    );
    layer.upsert_step(rated.clone()).await.expect("step");
    layer
        .upsert_feedback(FeedbackDict {
            for_id: rated.id,
            id: None,
            value: 0,
            comment: None,
        })
        .await
        .expect("feedback");
    let (mut filter, page) = mine(10, None);
    filter.feedback = Some(0);
    let bad = layer
        .list_threads(page, filter)
        .await
        .expect("feedback filter");
    assert_eq!(bad.data.iter().map(|t| t.id).collect::<Vec<_>>(), [ids[1]]);
}

async fn deletion(layer: &dyn DataLayer) {
    let user = layer.create_user(&User::new("ed")).await.expect("user");
    let thread = Uuid::new_v4();
    let reply = step(
        thread,
        StepType::AssistantMessage,
        "bye",
        "2026-03-01T00:00:00.000Z",
    );
    layer.upsert_step(reply.clone()).await.expect("step");
    layer
        .update_thread(
            thread,
            ThreadUpdate {
                user_id: Some(user.id.clone()),
                ..ThreadUpdate::default()
            },
        )
        .await
        .expect("thread");
    let mut file = ElementDict::new(ElementKind::File, "notes.txt");
    file.for_id = Some(reply.id);
    file.thread_id = Some(thread);
    layer.create_element(file.clone()).await.expect("element");
    let feedback = layer
        .upsert_feedback(FeedbackDict {
            for_id: reply.id,
            id: None,
            value: 1,
            comment: None,
        })
        .await
        .expect("feedback");
    layer.delete_step(reply.id).await.expect("delete step");
    let got = layer.get_thread(thread).await.expect("get").expect("kept");
    assert!(got.steps.is_empty() && got.elements.is_empty());
    assert!(
        !layer
            .delete_feedback(feedback)
            .await
            .expect("gone with its step")
    );

    layer.delete_thread(thread).await.expect("delete thread");
    assert_eq!(layer.get_thread(thread).await.expect("get"), None);

    let kept = Uuid::new_v4();
    layer
        .update_thread(
            kept,
            ThreadUpdate {
                user_id: Some(user.id.clone()),
                ..ThreadUpdate::default()
            },
        )
        .await
        .expect("thread");
    layer
        .delete_user_data("ed")
        .await
        .expect("delete user data");
    assert_eq!(layer.get_thread(kept).await.expect("get"), None);
    assert_eq!(layer.get_user("ed").await.expect("get"), None);
}

/// An element's content is kept with it, read back only through its own thread, replaced by a
/// second put, and gone with its step and its thread.
async fn contents(layer: &dyn DataLayer) {
    let thread = Uuid::new_v4();
    let reply = step(
        thread,
        StepType::AssistantMessage,
        "here",
        "2026-04-01T00:00:00.000Z",
    );
    layer.upsert_step(reply.clone()).await.expect("step");
    let mut image = ElementDict::new(ElementKind::Image, "dot");
    image.for_id = Some(reply.id);
    image.thread_id = Some(thread);
    layer.create_element(image.clone()).await.expect("element");
    let png = ElementContent {
        mime: "image/png".to_owned(),
        content: vec![0x89, b'P', b'N', b'G', 0, 255],
    };
    layer
        .put_element_content(image.id, png.clone())
        .await
        .expect("put");
    assert_eq!(
        layer
            .get_element_content(thread, image.id)
            .await
            .expect("get"),
        Some(png)
    );
    assert_eq!(
        layer
            .get_element_content(Uuid::new_v4(), image.id)
            .await
            .expect("get"),
        None,
        "not through another thread"
    );
    let text = ElementContent {
        mime: "text/plain".to_owned(),
        content: b"again".to_vec(),
    };
    layer
        .put_element_content(image.id, text.clone())
        .await
        .expect("put again");
    assert_eq!(
        layer
            .get_element_content(thread, image.id)
            .await
            .expect("get"),
        Some(text)
    );
    layer.delete_thread(thread).await.expect("delete");
    assert_eq!(
        layer
            .get_element_content(thread, image.id)
            .await
            .expect("get"),
        None,
        "gone with its thread"
    );
}

/// A batch is made in its order (a step's later version wins, a thread's metadata merges),
/// and all or nothing: a batch with a change the database refuses leaves no trace.
async fn batches(layer: &dyn DataLayer) {
    let thread = Uuid::new_v4();
    let mut reply = step(
        thread,
        StepType::AssistantMessage,
        "he",
        "2026-05-01T00:00:00.000Z",
    );
    let first = reply.clone();
    reply.output = "hello".to_owned();
    let mut image = ElementDict::new(ElementKind::Image, "dot");
    image.for_id = Some(reply.id);
    image.thread_id = Some(thread);
    let png = ElementContent {
        mime: "image/png".to_owned(),
        content: vec![1, 2, 3],
    };
    let named = ThreadUpdate {
        name: Some("batched".to_owned()),
        metadata: Some(map(json!({"a": 1, "b": 2}))),
        ..ThreadUpdate::default()
    };
    let unset = ThreadUpdate {
        metadata: Some(map(json!({"b": null}))),
        ..ThreadUpdate::default()
    };
    layer
        .apply(vec![
            Change::Thread(thread, named),
            Change::Step(first),
            Change::Step(reply.clone()),
            Change::Element(image.clone()),
            Change::ElementContent(image.id, png.clone()),
            Change::Thread(thread, unset),
        ])
        .await
        .expect("a batch");
    let kept = layer.get_thread(thread).await.expect("get").expect("made");
    assert_eq!(kept.name.as_deref(), Some("batched"));
    assert_eq!(kept.metadata, map(json!({"a": 1})));
    assert_eq!(kept.steps.len(), 1);
    assert_eq!(kept.steps[0].output, "hello", "the later version");
    assert_eq!(kept.elements.len(), 1);
    assert_eq!(
        layer
            .get_element_content(thread, image.id)
            .await
            .expect("content"),
        Some(png)
    );

    let other = Uuid::new_v4();
    let lost = step(
        other,
        StepType::UserMessage,
        "q",
        "2026-05-02T00:00:00.000Z",
    );
    let mut orphan = ElementDict::new(ElementKind::Text, "no step");
    orphan.thread_id = Some(other);
    let more = step(
        thread,
        StepType::UserMessage,
        "more",
        "2026-05-03T00:00:00.000Z",
    );
    layer
        .apply(vec![
            Change::Step(lost),
            Change::Step(more),
            Change::Element(orphan),
        ])
        .await
        .expect_err("an element without its step is refused");
    assert_eq!(
        layer.get_thread(other).await.expect("get"),
        None,
        "none of it"
    );
    let kept = layer.get_thread(thread).await.expect("get").expect("kept");
    assert_eq!(kept.steps.len(), 1, "nothing of the failed batch");
    layer.delete_thread(thread).await.expect("delete");
    folded_versions(layer).await;
}

/// Versions of steps in one batch store what they store made one by one.
async fn folded_versions(layer: &dyn DataLayer) {
    // The versions of a step `id`: first the user's question, then a run (its type must stay)
    // with an empty output and later start, then an answer with metadata, then an empty one.
    fn versions(thread: Uuid, id: Uuid, parent: Uuid) -> Vec<StepDict> {
        let mut first = step(
            thread,
            StepType::AssistantMessage,
            "",
            "2026-06-01T00:00:01.000Z",
        );
        first.id = id;
        first.input = "q".to_owned();
        let mut run = step(thread, StepType::Run, "", "2026-06-01T00:00:03.000Z");
        run.id = id;
        run.name = String::new();
        run.parent_id = Some(parent);
        let mut answer = step(
            thread,
            StepType::AssistantMessage,
            "a",
            "2026-06-01T00:00:01.000Z",
        );
        answer.id = id;
        answer.metadata = map(json!({"k": "v"}));
        answer.end = Some("2026-06-01T00:00:09.000Z".to_owned());
        answer.is_error = true;
        let mut blank = step(thread, StepType::Run, "", "2026-06-01T00:00:01.000Z");
        blank.id = id;
        blank.end = None;
        blank.created_at = None;
        vec![first, run, answer, blank]
    }
    let (one, batch) = (Uuid::new_v4(), Uuid::new_v4());
    let (a, b, pa, pb) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    for version in versions(one, a, pa) {
        layer.upsert_step(version).await.expect("one by one");
    }
    layer
        .apply(
            versions(batch, b, pb)
                .into_iter()
                .map(Change::Step)
                .collect(),
        )
        .await
        .expect("as a batch");
    let stored = |thread| async move {
        let mut steps = layer
            .get_thread(thread)
            .await
            .expect("get")
            .expect("made")
            .steps;
        for step in &mut steps {
            step.id = Uuid::nil();
            step.thread_id = None;
            step.parent_id = step.parent_id.map(|_| Uuid::nil());
        }
        steps
    };
    let (sequential, folded) = (stored(one).await, stored(batch).await);
    assert_eq!(sequential.len(), 2, "the step and the parent made for it");
    assert_eq!(folded.len(), 2, "the step and the parent made for it");
    // The parent made for a step is a placeholder (its times are when it was first named);
    // the step itself is stored the same.
    let own = |steps: &[StepDict]| steps.iter().find(|s| s.parent_id.is_some()).cloned();
    assert_eq!(own(&folded), own(&sequential));
    assert!(own(&folded).is_some());
    layer.delete_thread(one).await.expect("delete");
    layer.delete_thread(batch).await.expect("delete");
}

/// A batch makes each step's parent once, keeps a parent it made itself as it is, makes again
/// a parent that a deletion in the batch took away, and names a thread whose update comes after
/// its steps.
async fn parents_in_a_batch(layer: &dyn DataLayer) {
    let thread = Uuid::new_v4();
    let mut tool = step(thread, StepType::Tool, "found", "2026-07-01T00:00:01.000Z");
    tool.name = "search".to_owned();
    let mut inner = step(thread, StepType::Llm, "", "2026-07-01T00:00:02.000Z");
    inner.parent_id = Some(tool.id);
    let mut later = step(thread, StepType::Llm, "", "2026-07-01T00:00:03.000Z");
    later.parent_id = Some(tool.id);
    let named = ThreadUpdate {
        name: Some("named last".to_owned()),
        ..ThreadUpdate::default()
    };
    layer
        .apply(vec![
            Change::Step(tool.clone()),
            Change::Step(inner.clone()),
            Change::Step(later.clone()),
            Change::Thread(thread, named),
        ])
        .await
        .expect("a batch");
    let kept = layer.get_thread(thread).await.expect("get").expect("made");
    assert_eq!(kept.name.as_deref(), Some("named last"));
    assert_eq!(kept.steps.len(), 3, "no step made twice");
    let parent = kept
        .steps
        .iter()
        .find(|s| s.id == tool.id)
        .expect("the parent");
    assert_eq!(
        parent.step_type,
        StepType::Tool,
        "the parent as it was sent"
    );
    assert_eq!(parent.name, "search");
    assert_eq!(parent.start.as_deref(), Some("2026-07-01T00:00:01.000Z"));

    // Deleting `tool` takes `inner` with it; a child of `inner` later in the batch needs
    // `inner` made again.
    let mut grandchild = step(thread, StepType::Llm, "x", "2026-07-01T00:00:04.000Z");
    grandchild.parent_id = Some(inner.id);
    layer
        .apply(vec![
            Change::Step(inner.clone()),
            Change::DeleteStep(tool.id),
            Change::Step(grandchild.clone()),
        ])
        .await
        .expect("a child of a step the batch deleted");
    let kept = layer.get_thread(thread).await.expect("get").expect("kept");
    let ids: Vec<Uuid> = kept.steps.iter().map(|s| s.id).collect();
    assert!(
        !ids.contains(&tool.id) && !ids.contains(&later.id),
        "{ids:?}"
    );
    assert!(ids.contains(&grandchild.id), "{ids:?}");
    let remade = kept
        .steps
        .iter()
        .find(|s| s.id == inner.id)
        .expect("its parent, made again");
    assert_eq!(remade.step_type, StepType::Run, "an empty parent");
    layer.delete_thread(thread).await.expect("delete");
}
