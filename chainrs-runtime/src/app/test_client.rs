//! Building an app for the in-process test client: the one place that knows both.

use super::App;
use crate::error::Result;
use crate::testing::TestClient;

impl TestClient {
    /// Builds the app (reporting registration errors) for testing. Call inside a tokio runtime.
    pub fn new(app: App) -> Result<Self> {
        TestClient::from_parts(app.build()?)
    }
}
