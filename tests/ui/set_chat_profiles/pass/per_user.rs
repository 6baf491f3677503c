use chainrs::prelude::*;

#[set_chat_profiles]
async fn profiles(user: Option<User>) -> Vec<ChatProfile> {
    let mut offered = vec![ChatProfile::new("Echo", "Says it back").default_profile()];
    if user.is_some() {
        offered.push(ChatProfile::new("Members", "For members").starter(Starter::new("Hi", "hello")));
    }
    offered
}

#[on_chat_start]
async fn start(profile: ChatProfile) -> chainrs::Result<()> {
    Message::new(format!("this is {}", profile.name)).send().await?;
    Ok(())
}

#[on_message]
async fn reply(_msg: Message, profile: Option<ChatProfile>) -> chainrs::Result<()> {
    let _ = profile.map(|p| p.markdown_description);
    Ok(())
}

fn main() {
    let _ = App::new().register(profiles).register(start).register(reply);
    let _ = App::new().set_chat_profiles(profiles);
}
