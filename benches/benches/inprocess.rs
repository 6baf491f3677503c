#![allow(missing_docs)] // criterion_group! generates undocumented functions
//! In-process benchmarks (criterion): the memory store's update (read + compare-and-swap), one
//! chat turn through the echo app's `#[on_message]` handler, and the same turn through that
//! function registered by hand without the macro (there must be no measurable difference).
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

criterion_group!(benches, store_update, macro_overhead);
criterion_main!(benches);
