//! One instance of the `hello` app for the multi-instance tests, configured from the
//! environment (`CHAINRS_REDIS_URL`, `CHAINRS_REDIS_PREFIX`, `CHAINRS_AUTH_SECRET`, ...). It
//! listens on `CHAINRS_PORT` (0: any free port) and prints `listening on <address>` once it
//! serves. It exits non-zero, saying why, when it cannot start (Redis down, for one).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "chainrs=warn".to_owned()))
        .with_writer(std::io::stderr)
        .init();
    let port = std::env::var("CHAINRS_PORT").unwrap_or_else(|_| "0".to_owned());
    let started = async {
        let app = hello::app().with_env()?;
        app.bind(&format!("127.0.0.1:{port}")).await
    };
    let server = match started.await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match server.local_addr() {
        Ok(addr) => println!("listening on {addr}"),
        Err(err) => {
            eprintln!("cannot start: {err}");
            return ExitCode::FAILURE;
        }
    }
    match server.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("stopped: {err}");
            ExitCode::FAILURE
        }
    }
}
