use chainrs::prelude::*;
use chainrs::testing::TestClient;

#[tokio::test]
async fn smoke() -> chainrs::Result<()> {
    let client = TestClient::new(hello::app())?;
    let mut chat = client.open_chat_as(User::new("admin")).await?;
    let t = chat.received();
    println!("{:?}", t.names());
    assert_eq!(t.replies(), ["Hello admin"]);
    let t = chat.send("hi there").await?;
    println!("{:?}", t.names());
    assert_eq!(t.replies(), ["echo #1: hi there"]);
    let r = client
        .get("/history")
        .session(chat.session_id())
        .send()
        .await;
    println!("{} {}", r.status(), r.text());
    let sid = client.login("admin", "admin").await?;
    let r = client.get("/history").session(sid).send().await;
    println!("{} {}", r.status(), r.text());
    let r = client.get("/history").send().await;
    println!("{} {}", r.status(), r.text());
    Ok(())
}
