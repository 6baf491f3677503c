#![allow(missing_docs)] // criterion_group! generates undocumented functions
//! In-process benchmarks (criterion): the memory store's update (read + compare-and-swap), one
//! chat turn through the echo app's `#[on_message]` handler, and the same turn through that
//! function registered by hand without the macro (there must be no measurable difference), and
//! the first page of a history of 10,000 threads.
//!
//! `cargo bench -p chainrs-bench --bench inprocess`

use std::time::Duration;

use chainrs::__private::{ChatCall, FromChat, HandlerInfo, HookKind, Registry, kind};
use chainrs::prelude::*;
use chainrs::session::{CasOutcome, Lookup, MemoryStore, SessionStore};
use chainrs::testing::TestClient;
use criterion::{Criterion, criterion_group, criterion_main};

/// The echo app's `#[on_message]` handler, registered by hand through the registry the macro
/// writes to, calling the same function.
struct ByHand;

impl chainrs::Handler for ByHand {
    fn install(self, registry: &mut Registry) {
        registry.chat_hook(
            HookKind::OnMessage,
            HandlerInfo {
                name: "by_hand",
                defined_at: concat!(file!(), ":", line!()),
            },
            |mut call: ChatCall| {
                Box::pin(async move {
                    let msg = <Message as FromChat<kind::on_message>>::from_chat(&mut call)?;
                    let counter =
                        <UserSession<echo::Counter> as FromChat<kind::on_message>>::from_chat(
                            &mut call,
                        )?;
                    echo::reply::call(msg, counter).await
                })
            },
        );
    }
}

fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => panic!("no tokio runtime: {err}"),
    }
}

fn store_update(c: &mut Criterion) {
    let rt = runtime();
    let store = MemoryStore::new();
    let id = SessionId::new();
    let ttl = Duration::from_secs(3600);
    rt.block_on(async {
        let _ = store.create(id, vec![("n".into(), "0".into())], ttl).await;
    });
    c.bench_function("store_update/memory", |b| {
        b.iter(|| {
            rt.block_on(async {
                loop {
                    let Ok(Lookup::Found(current)) = store.get(id, "n").await else {
                        panic!("the session is there");
                    };
                    let next = current.value.parse::<u64>().unwrap_or(0) + 1;
                    if let Ok(CasOutcome::Written(_)) = store
                        .compare_and_swap(id, "n", current.version, next.to_string(), ttl)
                        .await
                    {
                        break;
                    }
                }
            })
        })
    });
}

fn macro_overhead(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("chat_turn");
    // The macro's case runs again last: the difference between its two runs is this machine's
    // run-to-run noise, against which the by-hand difference is read.
    for (name, app) in [
        ("attribute_macro", App::new().register(echo::reply)),
        ("registered_by_hand", App::new().register(ByHand)),
        ("attribute_macro_again", App::new().register(echo::reply)),
    ] {
        let (client, mut chat) = rt.block_on(async {
            let client = match TestClient::new(app) {
                Ok(client) => client,
                Err(err) => panic!("app: {err}"),
            };
            let chat = match client.open_chat().await {
                Ok(chat) => chat,
                Err(err) => panic!("chat: {err}"),
            };
            (client, chat)
        });
        group.bench_function(name, |b| {
            b.iter(|| rt.block_on(async { chat.send("hi").await.map(|t| t.events().len()) }))
        });
        drop((chat, client));
    }
    group.finish();
}

#[password_auth_callback]
async fn anyone(username: String, _password: String) -> Option<User> {
    Some(User::new(username))
}

/// `POST /project/threads` for the first page of a user who has 10,000 threads, on the
/// embedded SQLite data layer (in memory), through the app's router as the sidebar calls it.
fn threads_page(c: &mut Criterion) {
    use chainrs::data::{DataLayer, SqliteDataLayer, ThreadUpdate};
    let rt = runtime();
    let (client, token) = rt.block_on(async {
        let layer = match SqliteDataLayer::connect("sqlite::memory:").await {
            Ok(layer) => std::sync::Arc::new(layer),
            Err(err) => panic!("sqlite: {err}"),
        };
        let user = match layer.create_user(&User::new("ada")).await {
            Ok(user) => user,
            Err(err) => panic!("user: {err}"),
        };
        for n in 0..10_000 {
            let update = ThreadUpdate {
                name: Some(format!("conversation {n}")),
                user_id: Some(user.id.clone()),
                ..ThreadUpdate::default()
            };
            if let Err(err) = layer.update_thread(uuid::Uuid::new_v4(), update).await {
                panic!("thread: {err}");
            }
        }
        let app = App::new()
            .register(anyone)
            .auth_secret("bench-secret-of-at-least-32-bytes-long")
            .data_layer(layer);
        let client = match TestClient::new(app) {
            Ok(client) => client,
            Err(err) => panic!("app: {err}"),
        };
        let token = match client.token_for(&User::new("ada")) {
            Ok(token) => token,
            Err(err) => panic!("token: {err}"),
        };
        (client, token)
    });
    let body = serde_json::json!({ "pagination": { "first": 20, "cursor": null }, "filter": {} });
    c.bench_function("threads_page/sqlite_10000", |b| {
        b.iter(|| {
            rt.block_on(async {
                let page = client
                    .post("/project/threads")
                    .bearer(&token)
                    .json(&body)
                    .send()
                    .await;
                assert_eq!(page.status(), 200);
                page.bytes().len()
            })
        })
    });
}

criterion_group!(benches, store_update, macro_overhead, threads_page);
criterion_main!(benches);
