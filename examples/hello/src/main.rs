//! `cargo run -p hello`: serves the hello chat on 127.0.0.1:8000 (`CHAINRS_PORT` overrides),
//! keeping its chats in `target/hello-chat.db`.

#[tokio::main]
async fn main() -> chainrs::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    // History on by default: a SQLite file under target/, named in the log ("data layer
    // connected"); CHAINRS_DATABASE_URL chooses another database.
    let mut app = hello::app();
    if std::env::var_os("CHAINRS_DATABASE_URL").is_none() {
        let dir = std::path::Path::new("target");
        std::fs::create_dir_all(dir)?;
        let file = dir.join("hello-chat.db");
        app = app.database_url(format!("sqlite://{}", file.display()));
    }
    app.serve("127.0.0.1:8000").await
}
