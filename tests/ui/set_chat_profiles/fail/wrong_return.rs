use chainrs::prelude::*;

#[set_chat_profiles]
async fn profiles(_user: Option<User>) -> Vec<String> {
    vec!["Echo".to_owned()]
}

fn main() {
    let _ = App::new().register(profiles);
}
