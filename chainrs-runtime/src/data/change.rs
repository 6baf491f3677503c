//! [`Change`]: one write to a data layer, as a value, so that several can be made together in
//! one transaction ([`DataLayer::apply`](super::DataLayer::apply)).

use uuid::Uuid;

use super::{ElementContent, ThreadUpdate};
use crate::protocol::{ElementDict, StepDict};

/// One write to a data layer: what the chat produces while it runs. Each is what the
/// [`DataLayer`](super::DataLayer) method of the same meaning does, with the same semantics.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Change {
    /// [`DataLayer::upsert_step`](super::DataLayer::upsert_step).
    Step(StepDict),
    /// [`DataLayer::delete_step`](super::DataLayer::delete_step).
    DeleteStep(Uuid),
    /// [`DataLayer::create_element`](super::DataLayer::create_element).
    Element(ElementDict),
    /// [`DataLayer::delete_element`](super::DataLayer::delete_element).
    DeleteElement(Uuid),
    /// [`DataLayer::put_element_content`](super::DataLayer::put_element_content).
    ElementContent(Uuid, ElementContent),
    /// [`DataLayer::update_thread`](super::DataLayer::update_thread).
    Thread(Uuid, ThreadUpdate),
}

/// `changes` with the versions of each step made one, where its first was, and the updates of
/// each thread made one, all of them first. The result is what making them one by one stores
/// (the contract suite checks it): a step's later version wins, except where it is empty (the
/// stored input, output, name, metadata and a type other than `run` stay), its start is the
/// earliest; a thread's later name, user and tags win, and metadata changes merge in order (a
/// later `null` still removes a key). A busy chat writes each run step twice and a thread's
/// metadata with every `UserSession` commit. Steps are not folded across a deletion of a step
/// (it may take children with it). A thread's update moves ahead of the other changes because
/// none of them reads what it writes (a step or an element only needs its thread to exist),
/// and a thread made first is a thread its steps need not make.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn coalesced(changes: Vec<Change>) -> Vec<Change> {
    let mut threads: Vec<Change> = Vec::new();
    let mut out: Vec<Change> = Vec::with_capacity(changes.len());
    let mut thread_at = std::collections::HashMap::new();
    let mut steps = std::collections::HashMap::new();
    for change in changes {
        match change {
            Change::Thread(id, later) => {
                match thread_at.get(&id).and_then(|&at| threads.get_mut(at)) {
                    Some(Change::Thread(_, earlier)) => fold(earlier, later),
                    _ => {
                        thread_at.insert(id, threads.len());
                        threads.push(Change::Thread(id, later));
                    }
                }
            }
            Change::Step(later) => match steps.get(&later.id).and_then(|&at| out.get_mut(at)) {
                Some(Change::Step(earlier)) => fold_step(earlier, later),
                _ => {
                    steps.insert(later.id, out.len());
                    out.push(Change::Step(later));
                }
            },
            Change::DeleteStep(id) => {
                steps.clear();
                out.push(Change::DeleteStep(id));
            }
            other => out.push(other),
        }
    }
    threads.extend(out);
    threads
}

/// `earlier` then `later`, two versions of one step, as one (the rules of `upsert_step`).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn fold_step(earlier: &mut StepDict, later: StepDict) {
    use super::rows::started;
    let (first, next) = (started(earlier), started(&later));
    earlier.created_at = Some(earlier.created_at.take().unwrap_or_else(|| first.clone()));
    earlier.end = Some(later.end.unwrap_or_else(|| next.clone()));
    // Versions of a step carry the start it was created with: the earlier text is the earlier
    // time (as the SQL's MIN takes it).
    earlier.start = Some(first.min(next));
    if later.parent_id.is_some() {
        earlier.parent_id = later.parent_id;
    }
    if later.thread_id.is_some() {
        earlier.thread_id = later.thread_id;
    }
    if !later.input.is_empty() {
        earlier.input = later.input;
    }
    if !later.output.is_empty() {
        earlier.output = later.output;
    }
    if !later.name.is_empty() {
        earlier.name = later.name;
    }
    if !later.metadata.is_empty() {
        earlier.metadata = later.metadata;
    }
    if later.step_type != crate::protocol::StepType::Run {
        earlier.step_type = later.step_type;
    }
    earlier.show_input = later.show_input;
    earlier.is_error = later.is_error;
}

/// `earlier` then `later`, as one update.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn fold(earlier: &mut ThreadUpdate, later: ThreadUpdate) {
    if later.name.is_some() {
        earlier.name = later.name;
    }
    if later.user_id.is_some() {
        earlier.user_id = later.user_id;
    }
    if later.tags.is_some() {
        earlier.tags = later.tags;
    }
    if let Some(changes) = later.metadata {
        earlier
            .metadata
            .get_or_insert_with(Default::default)
            .extend(changes);
    }
}

#[cfg(all(test, any(feature = "sqlite", feature = "postgres")))]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::protocol::StepType;

    fn meta(value: serde_json::Value) -> Option<serde_json::Map<String, serde_json::Value>> {
        value.as_object().cloned()
    }

    #[test]
    fn the_updates_of_each_thread_become_one_ahead_of_the_rest() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let step = StepDict::new(StepType::UserMessage, "User");
        let named = ThreadUpdate {
            name: Some("first".to_owned()),
            user_id: Some("u1".to_owned()),
            metadata: meta(json!({"x": 1, "y": 2})),
            ..ThreadUpdate::default()
        };
        let later = ThreadUpdate {
            metadata: meta(json!({"y": null, "z": 3})),
            tags: Some(vec!["t".to_owned()]),
            ..ThreadUpdate::default()
        };
        let renamed = ThreadUpdate {
            name: Some("second".to_owned()),
            ..ThreadUpdate::default()
        };
        let other = ThreadUpdate {
            metadata: meta(json!({"x": 9})),
            ..ThreadUpdate::default()
        };
        let out = coalesced(vec![
            Change::Thread(a, named),
            Change::Step(step.clone()),
            Change::Thread(b, other.clone()),
            Change::Thread(a, later),
            Change::Thread(a, renamed),
        ]);
        let one = ThreadUpdate {
            name: Some("second".to_owned()),
            user_id: Some("u1".to_owned()),
            metadata: meta(json!({"x": 1, "y": null, "z": 3})),
            tags: Some(vec!["t".to_owned()]),
        };
        assert_eq!(
            out,
            vec![
                Change::Thread(a, one),
                Change::Thread(b, other),
                Change::Step(step),
            ]
        );
    }
}
