//! `storebench`: session-store update throughput. `--workers W` tasks each update their own
//! session's key `--updates U` times through the `SessionStore` API (read, then
//! compare-and-swap: what `UserSession::update` does), on the memory store and, with
//! `--redis URL`, on a `RedisStore` (keys under a fresh prefix, deleted after). Prints one JSON
//! object with updates per second for each store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chainrs::SessionId;
use chainrs::session::{CasOutcome, Lookup, MemoryStore, RedisStore, SessionStore};
use serde_json::json;

async fn updates_per_second(
    store: Arc<dyn SessionStore>,
    workers: usize,
    updates: usize,
) -> Result<f64, String> {
    let ttl = Duration::from_secs(600);
    let mut ids = Vec::with_capacity(workers);
    for _ in 0..workers {
        let id = SessionId::new();
        store
            .create(id, vec![("n".into(), "0".into())], ttl)
            .await
            .map_err(|e| e.to_string())?;
        ids.push(id);
    }
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(workers);
    for id in ids.iter().copied() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..updates {
                loop {
                    let Lookup::Found(current) =
                        store.get(id, "n").await.map_err(|e| e.to_string())?
                    else {
                        return Err("the session vanished".to_owned());
                    };
                    let next = current.value.parse::<u64>().unwrap_or(0) + 1;
                    match store
                        .compare_and_swap(id, "n", current.version, next.to_string(), ttl)
                        .await
                        .map_err(|e| e.to_string())?
                    {
                        CasOutcome::Written(_) => break,
                        CasOutcome::Conflict => continue,
                        CasOutcome::NoSession => return Err("the session vanished".to_owned()),
                    }
                }
            }
            Ok::<(), String>(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let rate = (workers * updates) as f64 / started.elapsed().as_secs_f64();
    for id in ids {
        let _ = store.delete(id).await;
    }
    Ok(rate)
}

#[tokio::main]
async fn main() {
    let mut workers = 50;
    let mut updates = 2000;
    let mut redis = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        match flag.as_str() {
            "--workers" => workers = value.parse().unwrap_or(workers),
            "--updates" => updates = value.parse().unwrap_or(updates),
            "--redis" => redis = Some(value),
            _ => {
                eprintln!("storebench: unknown flag {flag}");
                std::process::exit(2);
            }
        }
    }
    let memory = match updates_per_second(Arc::new(MemoryStore::new()), workers, updates).await {
        Ok(rate) => rate,
        Err(err) => {
            eprintln!("storebench: memory: {err}");
            std::process::exit(1);
        }
    };
    let redis_rate = match redis {
        None => None,
        Some(url) => {
            let prefix = format!("chainrs-bench:{}:", uuid::Uuid::new_v4().simple());
            match RedisStore::connect(&url, prefix).await {
                Ok(store) => match updates_per_second(Arc::new(store), workers, updates).await {
                    Ok(rate) => Some(rate),
                    Err(err) => {
                        eprintln!("storebench: redis: {err}");
                        std::process::exit(1);
                    }
                },
                Err(err) => {
                    eprintln!("storebench: {err}");
                    std::process::exit(1);
                }
            }
        }
    };
    println!(
        "{}",
        json!({
            "workers": workers,
            "updates_per_worker": updates,
            "memory_updates_per_second": memory,
            "redis_updates_per_second": redis_rate,
        })
    );
}
