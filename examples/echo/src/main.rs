//! `cargo run -p echo`: the benchmark echo app on 127.0.0.1:8000 (`CHAINRS_PORT` overrides).

#[tokio::main]
async fn main() -> chainrs::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    echo::app().serve("127.0.0.1:8000").await
}
