//! A PostgreSQL database of a test's own on the server the tests use (`CHAINRS_POSTGRES_URL`,
//! by default `postgres://postgres@127.0.0.1:5432/postgres`), dropped by [`OwnDatabase::drop_it`].
//! A missing server fails the test, saying how to get one; it never skips.

use sqlx::PgPool;
use uuid::Uuid;

/// A database created for one test.
pub struct OwnDatabase {
    admin: PgPool,
    name: String,
    /// Its URL, for `CHAINRS_DATABASE_URL` or `PostgresDataLayer::connect`.
    pub url: String,
}

impl OwnDatabase {
    /// Creates an empty database with a fresh name.
    pub async fn create() -> OwnDatabase {
        let base = std::env::var("CHAINRS_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let admin = PgPool::connect(&base).await.unwrap_or_else(|e| {
            panic!(
                "this test needs a PostgreSQL server at {base} (CHAINRS_POSTGRES_URL; bash .ci/run \
                 starts one): {e}"
            )
        });
        let name = format!("chainrs_it_{}", Uuid::new_v4().simple());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create the test database");
        let url = match base.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => base.clone(),
        };
        OwnDatabase { admin, name, url }
    }

    /// A pool on the database, for rows a test writes itself.
    pub async fn pool(&self) -> PgPool {
        PgPool::connect(&self.url)
            .await
            .expect("connect to the test database")
    }

    /// Drops the database (and the connections still open to it).
    pub async fn drop_it(self) {
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&self.admin)
        .await;
    }
}
