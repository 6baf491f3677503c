use chainrs::prelude::*;

#[set_starters]
async fn offer(_user: Option<User>) -> Vec<String> {
    vec!["hello".to_owned()]
}

fn main() {
    let _ = App::new().register(offer);
}
