#![deny(warnings)]

use chainrs::prelude::*;

#[derive(Deserialize)]
struct RunRequest {
    task: String,
}

#[derive(Serialize)]
struct RunResponse {
    output: String,
}

#[endpoint(http, method = "POST", path = "/agent/run")]
async fn run(user: User, Json(req): Json<RunRequest>) -> chainrs::Result<Json<RunResponse>> {
    Ok(Json(RunResponse { output: format!("{}: {}", user.identifier, req.task) }))
}

fn main() {
    let _ = App::new().register(run);
    let _ = App::new().http_endpoint(run);
}
