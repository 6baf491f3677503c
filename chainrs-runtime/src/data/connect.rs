//! A data layer from a URL (`CHAINRS_DATABASE_URL`): `sqlite://…` or `postgres://…`, each
//! needing its cargo feature, and an error that says which when it is missing.

use std::sync::Arc;

use super::DataLayer;
use crate::error::{Error, Result};

/// Connects to the data layer `url` names.
pub async fn connect(url: &str) -> Result<Arc<dyn DataLayer>> {
    let url = url.trim();
    if url.starts_with("sqlite:") {
        return sqlite(url).await;
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return postgres(url).await;
    }
    Err(Error::Config(format!(
        "CHAINRS_DATABASE_URL {url:?} names no data layer chainrs has: write sqlite://chat.db or postgres://user@host:5432/db"
    )))
}

#[cfg(feature = "sqlite")]
async fn sqlite(url: &str) -> Result<Arc<dyn DataLayer>> {
    Ok(Arc::new(super::SqliteDataLayer::connect(url).await?))
}

#[cfg(not(feature = "sqlite"))]
async fn sqlite(url: &str) -> Result<Arc<dyn DataLayer>> {
    Err(Error::Config(format!(
        "{url:?} is a SQLite database, but this app was built without SQLite support: enable the `sqlite` feature of chainrs"
    )))
}

#[cfg(feature = "postgres")]
async fn postgres(url: &str) -> Result<Arc<dyn DataLayer>> {
    Ok(Arc::new(super::PostgresDataLayer::connect(url).await?))
}

#[cfg(not(feature = "postgres"))]
async fn postgres(_url: &str) -> Result<Arc<dyn DataLayer>> {
    Err(Error::Config(
        "CHAINRS_DATABASE_URL names PostgreSQL, but this app was built without PostgreSQL support: enable the `postgres` feature of chainrs".to_owned(),
    ))
}
