//! Logout revokes: after `POST /logout` the token is refused on every instance sharing the
//! store, `revoke_user` ends all of a user's logins, and logging in again works.

use chainrs::prelude::*;
use chainrs::session::SessionStore;
use chainrs::testing::TestClient;
use chainrs_tests::{clean, name_is_password, redis_store};

const SECRET: &str = "revocation-test-secret-0123456789abcdef01";

fn app(store: impl SessionStore) -> App {
    App::new()
        .register(name_is_password)
        .auth_secret(SECRET)
        .session_store(store)
}

async fn user_status(client: &TestClient, token: &str) -> (StatusCode, String) {
    let response = client.get("/user").bearer(token).send().await;
    (response.status(), response.text())
}

#[tokio::test]
async fn logout_ends_the_token_and_a_new_login_works() -> chainrs::Result<()> {
    let client = TestClient::new(app(chainrs::session::MemoryStore::new()))?;
    let token = client.login("ada", "ada").await?.token;
    assert_eq!(user_status(&client, &token).await.0, StatusCode::OK);
    let out = client.post("/logout").bearer(&token).send().await;
    assert_eq!(out.status(), StatusCode::OK);
    let (status, body) = user_status(&client, &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("logged out"), "{body}");
    let again = client.login("ada", "ada").await?.token;
    assert_eq!(user_status(&client, &again).await.0, StatusCode::OK);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_hold_on_every_instance() -> chainrs::Result<()> {
    let store = redis_store("revocation").await;
    let a = TestClient::new(app(store.clone()))?;
    let b = TestClient::new(app(store.clone()))?;
    // A logout on one instance ends the token on the other.
    let token = a.login("ada", "ada").await?.token;
    assert_eq!(user_status(&b, &token).await.0, StatusCode::OK);
    assert_eq!(
        a.post("/logout").bearer(&token).send().await.status(),
        StatusCode::OK
    );
    assert_eq!(user_status(&b, &token).await.0, StatusCode::UNAUTHORIZED);
    // revoke_user on one instance ends every earlier login of the user, on both.
    let first = a.login("bob", "bob").await?.token;
    let second = b.login("bob", "bob").await?.token;
    let other = a.login("eve", "eve").await?.token;
    b.revoke_user("bob").await?;
    for token in [&first, &second] {
        for instance in [&a, &b] {
            let (status, body) = user_status(instance, token).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
            assert!(body.contains("every login of this user"), "{body}");
        }
    }
    assert_eq!(user_status(&a, &other).await.0, StatusCode::OK);
    // A login after the revocation works, even within the same second.
    let fresh = a.login("bob", "bob").await?.token;
    assert_eq!(user_status(&b, &fresh).await.0, StatusCode::OK);
    clean(store.prefix()).await;
    Ok(())
}

#[endpoint(http, method = "POST", path = "/admin/revoke/{name}")]
async fn revoke(
    Path(name): Path<String>,
    revoker: State<chainrs::Revoker>,
) -> chainrs::Result<StatusCode> {
    revoker.revoke_user(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[tokio::test]
async fn a_handler_ends_a_users_logins_through_the_apps_revoker() -> chainrs::Result<()> {
    let app = app(chainrs::session::MemoryStore::new()).register(revoke);
    let revoker = app.revoker();
    let early = revoker
        .revoke_user("bob")
        .await
        .err()
        .map(|e| e.to_string());
    assert!(early.is_some_and(|e| e.contains("not built yet")));
    let client = TestClient::new(app.with_state(revoker))?;
    let bob = client.login("bob", "bob").await?.token;
    let admin = client.login("admin", "admin").await?.token;
    let done = client.post("/admin/revoke/bob").bearer(&admin).send().await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT, "{}", done.text());
    assert_eq!(user_status(&client, &bob).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(user_status(&client, &admin).await.0, StatusCode::OK);
    Ok(())
}
