use chainrs::prelude::*;

#[endpoint(http, method = "GET", path = "/whoami")]
async fn whoami(profile: ChatProfile) -> String {
    profile.name
}

fn main() {}
