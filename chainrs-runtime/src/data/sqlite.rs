//! [`SqliteDataLayer`]: the embedded data layer, one file, no server. Its tables carry the
//! names and columns of Chainlit's PostgreSQL schema, in SQLite's types (text for times, ids
//! and JSON); the schema is created when the file is opened.

use std::str::FromStr;

use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use uuid::Uuid;

use super::change::coalesced;
use super::rows::{
    self, ElementRow, FeedbackRow, Seen, StepRow, boxed, json_map, json_text, row_readers,
};
use super::{Change, DataFuture, DataLayer, ElementContent, PersistedUser, ThreadUpdate};
use crate::auth::User;
use crate::error::{Error, Result};
use crate::protocol::{
    ElementDict, FeedbackDict, Page, Pagination, StepDict, ThreadDict, ThreadFilter,
};

const SCHEMA: &str = include_str!("sqlite.sql");

/// Conversations in a SQLite file (`sqlite://chat.db`), created with its schema when missing.
#[derive(Clone, Debug)]
pub struct SqliteDataLayer {
    pool: SqlitePool,
}

impl SqliteDataLayer {
    /// Opens (or creates) the database at `url` (`sqlite://path/to/chat.db`, or
    /// `sqlite::memory:`) and lays out its schema.
    pub async fn connect(url: &str) -> Result<Self> {
        if !url.starts_with("sqlite:") {
            return Err(Error::Config(format!(
                "{url:?} is not a SQLite URL: write it as sqlite://chat.db (or sqlite::memory:)"
            )));
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| {
                Error::Config(format!(
                    "{url:?} is not a SQLite URL ({e}): write it as sqlite://chat.db"
                ))
            })?
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            // With WAL, NORMAL syncs at checkpoints instead of at every commit: a crash of the
            // app loses nothing committed, a power cut at most the last commits (SQLite's advice).
            .synchronous(SqliteSynchronous::Normal);
        // One connection for an in-memory database (each connection would have its own).
        let max = if url.contains(":memory:") { 1 } else { 4 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .connect_with(options)
            .await
            .map_err(|e| Error::Config(format!("cannot open the SQLite database {url:?}: {e}")))?;
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .map_err(|e| Error::Config(format!("cannot lay out the schema in {url:?}: {e}")))?;
        Ok(SqliteDataLayer { pool })
    }
}

row_readers!(SqliteRow);

/// The time now as the tables keep it, `2026-01-02T03:04:05.678Z`: a fixed width, so that
/// times compare as text (the keyset pagination by last activity does), and the same text
/// SQLite's `strftime('%Y-%m-%dT%H:%M:%fZ')` writes. Made here, once per transaction, as
/// formatting it in SQL for every row was a sixth of the work of a chat kept in history.
fn stamp() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// `text` for a LIKE pattern, its wildcards escaped with `\`.
fn like_escaped(text: &str) -> String {
    text.to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl SqliteDataLayer {
    async fn thread(&self, thread: Uuid) -> std::result::Result<Option<ThreadDict>, sqlx::Error> {
        let id = thread.to_string();
        let Some(row) = sqlx::query(
            r#"SELECT t.id, t."createdAt", t.name, t."userId", t.metadata, t.tags, u.identifier
               FROM "Thread" t LEFT JOIN "User" u ON u.id = t."userId"
               WHERE t.id = ?1 AND t."deletedAt" IS NULL"#,
        )
        .bind(&id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let steps = sqlx::query(
            r#"SELECT * FROM "Step" WHERE "threadId" = ?1 ORDER BY "startTime", "createdAt""#,
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(step_of)
        .collect::<std::result::Result<Vec<_>, _>>()?;
        let feedback = sqlx::query(
            r#"SELECT f.* FROM "Feedback" f JOIN "Step" s ON s.id = f."stepId"
               WHERE s."threadId" = ?1 ORDER BY f."updatedAt""#,
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(feedback_of)
        .collect::<std::result::Result<Vec<_>, _>>()?;
        let elements =
            sqlx::query(r#"SELECT * FROM "Element" WHERE "threadId" = ?1 ORDER BY "createdAt""#)
                .bind(&id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(element_of)
                .collect::<std::result::Result<Vec<_>, _>>()?;
        let tags: Option<String> = row.try_get("tags")?;
        Ok(Some(rows::thread(
            thread,
            row.try_get("createdAt")?,
            row.try_get("name")?,
            row.try_get("userId")?,
            row.try_get("identifier")?,
            tags.and_then(|t| serde_json::from_str(&t).ok()),
            json_map(row.try_get("metadata")?),
            steps,
            feedback,
            elements,
        )))
    }
}

/// The thread list's query, with the condition on the user (`?2`) given: a plain equality when
/// a user is named, so the index serves it.
macro_rules! thread_list {
    ($user:literal) => {
        concat!(
            r#"SELECT t.id, t."updatedAt", t.name, t."userId", t.metadata, t.tags, u.identifier
               FROM "Thread" t LEFT JOIN "User" u ON u.id = t."userId"
               LEFT JOIN "Thread" c ON c.id = ?1
               WHERE t."deletedAt" IS NULL AND "#,
            $user,
            r#"
                 AND (?3 IS NULL OR lower(COALESCE(t.name, '')) LIKE '%' || ?3 || '%' ESCAPE '\')
                 AND (?4 IS NULL OR EXISTS (
                   SELECT 1 FROM "Step" s JOIN "Feedback" f ON f."stepId" = s.id
                   WHERE s."threadId" = t.id AND f.value = ?4))
                 AND (?1 IS NULL OR c.id IS NULL OR t."updatedAt" < c."updatedAt"
                      OR (t."updatedAt" = c."updatedAt" AND t.id < c.id))
               ORDER BY t."updatedAt" DESC, t.id DESC
               LIMIT ?5"#
        )
    };
}

impl DataLayer for SqliteDataLayer {
    fn get_user(&self, identifier: &str) -> DataFuture<'_, Option<PersistedUser>> {
        let identifier = identifier.to_owned();
        Box::pin(async move {
            let row = sqlx::query(r#"SELECT * FROM "User" WHERE identifier = ?1"#)
                .bind(identifier)
                .fetch_optional(&self.pool)
                .await
                .map_err(boxed)?;
            row.as_ref().map(user_of).transpose().map_err(boxed)
        })
    }

    fn create_user(&self, user: &User) -> DataFuture<'_, PersistedUser> {
        let (identifier, metadata) = (user.identifier.clone(), json_text(&user.metadata));
        Box::pin(async move {
            let now = stamp();
            let row = sqlx::query(
                r#"INSERT INTO "User" (id, "createdAt", "updatedAt", metadata, identifier)
                   VALUES (?1, ?4, ?4, ?2, ?3)
                   ON CONFLICT (identifier) DO UPDATE SET metadata = excluded.metadata, "updatedAt" = ?4
                   RETURNING *"#,
            )
            .bind(Uuid::new_v4().to_string())
            .bind(metadata)
            .bind(identifier)
            .bind(&now)
            .fetch_one(&self.pool)
            .await
            .map_err(boxed)?;
            user_of(&row).map_err(boxed)
        })
    }

    fn get_thread_author(&self, thread: Uuid) -> DataFuture<'_, Option<String>> {
        Box::pin(async move {
            let author: Option<Option<String>> = sqlx::query_scalar(
                r#"SELECT u.identifier FROM "Thread" t LEFT JOIN "User" u ON u.id = t."userId"
                   WHERE t.id = ?1 AND t."deletedAt" IS NULL"#,
            )
            .bind(thread.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(boxed)?;
            Ok(author.flatten())
        })
    }

    fn get_thread(&self, thread: Uuid) -> DataFuture<'_, Option<ThreadDict>> {
        Box::pin(async move { self.thread(thread).await.map_err(boxed) })
    }

    fn update_thread(&self, thread: Uuid, update: ThreadUpdate) -> DataFuture<'_, ()> {
        self.apply(vec![Change::Thread(thread, update)])
    }

    fn delete_thread(&self, thread: Uuid) -> DataFuture<'_, ()> {
        Box::pin(async move {
            sqlx::query(r#"DELETE FROM "Thread" WHERE id = ?1"#)
                .bind(thread.to_string())
                .execute(&self.pool)
                .await
                .map(|_| ())
                .map_err(boxed)
        })
    }

    fn list_threads(
        &self,
        pagination: Pagination,
        filter: ThreadFilter,
    ) -> DataFuture<'_, Page<ThreadDict>> {
        Box::pin(async move {
            let first = pagination.first.clamp(1, 1000);
            // One user's list (what the sidebar asks) goes through the ("userId", "updatedAt")
            // index, newest first, and stops at the page's end.
            let query = match filter.user_id {
                Some(_) => thread_list!(r#"t."userId" = ?2"#),
                None => thread_list!("?2 IS NULL"),
            };
            let rows = sqlx::query(query)
                .bind(pagination.cursor)
                .bind(filter.user_id)
                .bind(filter.search.as_deref().map(like_escaped))
                .bind(filter.feedback.map(f64::from))
                .bind(i64::from(first) + 1)
                .fetch_all(&self.pool)
                .await
                .map_err(boxed)?;
            let mut data = Vec::with_capacity(rows.len());
            for row in &rows {
                let id: String = row.try_get("id").map_err(boxed)?;
                let Ok(id) = Uuid::parse_str(&id) else {
                    continue;
                };
                let tags: Option<String> = row.try_get("tags").map_err(boxed)?;
                data.push(ThreadDict {
                    id,
                    // As Chainlit answers: the last activity, which the sidebar groups by.
                    created_at: row.try_get("updatedAt").map_err(boxed)?,
                    name: row.try_get("name").map_err(boxed)?,
                    user_id: row.try_get("userId").map_err(boxed)?,
                    user_identifier: row.try_get("identifier").map_err(boxed)?,
                    tags: tags.and_then(|t| serde_json::from_str(&t).ok()),
                    metadata: json_map(row.try_get("metadata").map_err(boxed)?),
                    steps: Vec::new(),
                    elements: Vec::new(),
                });
            }
            Ok(rows::page(data, first as usize))
        })
    }

    fn upsert_step(&self, step: StepDict) -> DataFuture<'_, ()> {
        self.apply(vec![Change::Step(step)])
    }

    fn delete_step(&self, step: Uuid) -> DataFuture<'_, ()> {
        // Its elements and feedback go with it (ON DELETE CASCADE).
        self.apply(vec![Change::DeleteStep(step)])
    }

    fn get_step_thread(&self, step: Uuid) -> DataFuture<'_, Option<Uuid>> {
        Box::pin(async move {
            let thread: Option<Option<String>> =
                sqlx::query_scalar(r#"SELECT "threadId" FROM "Step" WHERE id = ?1"#)
                    .bind(step.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(boxed)?;
            Ok(thread.flatten().and_then(|t| Uuid::parse_str(&t).ok()))
        })
    }

    fn create_element(&self, element: ElementDict) -> DataFuture<'_, ()> {
        self.apply(vec![Change::Element(element)])
    }

    fn get_element(&self, thread: Uuid, element: Uuid) -> DataFuture<'_, Option<ElementDict>> {
        Box::pin(async move {
            let row = sqlx::query(r#"SELECT * FROM "Element" WHERE id = ?1 AND "threadId" = ?2"#)
                .bind(element.to_string())
                .bind(thread.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(boxed)?;
            let row = row.as_ref().map(element_of).transpose().map_err(boxed)?;
            Ok(row.and_then(ElementRow::into_dict))
        })
    }

    fn delete_element(&self, element: Uuid) -> DataFuture<'_, ()> {
        self.apply(vec![Change::DeleteElement(element)])
    }

    fn put_element_content(&self, element: Uuid, content: ElementContent) -> DataFuture<'_, ()> {
        self.apply(vec![Change::ElementContent(element, content)])
    }

    fn get_element_content(
        &self,
        thread: Uuid,
        element: Uuid,
    ) -> DataFuture<'_, Option<ElementContent>> {
        Box::pin(async move {
            let row = sqlx::query(
                r#"SELECT c.mime, c.content FROM "ElementContent" c
                   JOIN "Element" e ON e.id = c."elementId"
                   WHERE c."elementId" = ?1 AND e."threadId" = ?2"#,
            )
            .bind(element.to_string())
            .bind(thread.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(boxed)?;
            row.map(|row| {
                Ok(ElementContent {
                    mime: row.try_get("mime")?,
                    content: row.try_get("content")?,
                })
            })
            .transpose()
            .map_err(|e: sqlx::Error| boxed(e))
        })
    }

    fn upsert_feedback(&self, feedback: FeedbackDict) -> DataFuture<'_, Uuid> {
        Box::pin(async move {
            let id = feedback.id.unwrap_or_else(Uuid::new_v4);
            let now = stamp();
            sqlx::query(
                r#"INSERT INTO "Feedback" (id, "createdAt", "updatedAt", "stepId", name, value, comment)
                   VALUES (?1, ?5, ?5, ?2, 'user_feedback', ?3, ?4)
                   ON CONFLICT (id) DO UPDATE SET "stepId" = excluded."stepId", value = excluded.value,
                     comment = excluded.comment, "updatedAt" = ?5"#,
            )
            .bind(id.to_string())
            .bind(feedback.for_id.to_string())
            .bind(f64::from(feedback.value))
            .bind(feedback.comment)
            .bind(&now)
            .execute(&self.pool)
            .await
            .map_err(boxed)?;
            Ok(id)
        })
    }

    fn delete_feedback(&self, feedback: Uuid) -> DataFuture<'_, bool> {
        Box::pin(async move {
            let done = sqlx::query(r#"DELETE FROM "Feedback" WHERE id = ?1"#)
                .bind(feedback.to_string())
                .execute(&self.pool)
                .await
                .map_err(boxed)?;
            Ok(done.rows_affected() > 0)
        })
    }

    fn get_feedback_step(&self, feedback: Uuid) -> DataFuture<'_, Option<Uuid>> {
        Box::pin(async move {
            let step: Option<Option<String>> =
                sqlx::query_scalar(r#"SELECT "stepId" FROM "Feedback" WHERE id = ?1"#)
                    .bind(feedback.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(boxed)?;
            Ok(step.flatten().and_then(|s| Uuid::parse_str(&s).ok()))
        })
    }

    fn delete_user_data(&self, identifier: &str) -> DataFuture<'_, ()> {
        let identifier = identifier.to_owned();
        Box::pin(async move {
            let mut tx = self.pool.begin().await.map_err(boxed)?;
            sqlx::query(
                r#"DELETE FROM "Thread" WHERE "userId" IN (SELECT id FROM "User" WHERE identifier = ?1)"#,
            )
            .bind(&identifier)
            .execute(&mut *tx)
            .await
            .map_err(boxed)?;
            sqlx::query(r#"DELETE FROM "User" WHERE identifier = ?1"#)
                .bind(&identifier)
                .execute(&mut *tx)
                .await
                .map_err(boxed)?;
            tx.commit().await.map_err(boxed)
        })
    }

    fn apply(&self, changes: Vec<Change>) -> DataFuture<'_, ()> {
        Box::pin(async move {
            // IMMEDIATE takes the write lock at once: a batch that reads before it writes (a
            // thread's metadata merge) never meets another writer between the two.
            let mut tx = self
                .pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(boxed)?;
            let now = stamp();
            let mut seen = Seen::default();
            for change in coalesced(changes) {
                changes::make(&mut tx, change, &now, &mut seen).await?;
            }
            tx.commit().await.map_err(boxed)
        })
    }
}

/// The writes, each made on a connection inside a transaction (of one change, or of a batch).
mod changes {
    use sqlx::SqliteConnection;
    use uuid::Uuid;

    use super::super::rows::{
        ElementRow, Seen, StepRow, boxed, json_map, json_text, merge_metadata, started,
    };
    use super::super::{Change, ElementContent, Refused, ThreadUpdate};
    use crate::error::BoxError;
    use crate::protocol::{ElementDict, StepDict};

    /// Makes `change` on `conn`; `now` is the time it is made, as stored, and `seen` what
    /// its transaction made before it.
    pub(super) async fn make(
        conn: &mut SqliteConnection,
        change: Change,
        now: &str,
        seen: &mut Seen,
    ) -> Result<(), BoxError> {
        match change {
            Change::Step(step) => upsert_step(conn, step, now, seen).await,
            Change::DeleteStep(id) => {
                seen.deleted();
                delete(conn, r#"DELETE FROM "Step" WHERE id = ?1"#, id).await
            }
            Change::Element(element) => create_element(conn, element, now).await,
            Change::DeleteElement(id) => {
                delete(conn, r#"DELETE FROM "Element" WHERE id = ?1"#, id).await
            }
            Change::ElementContent(id, content) => put_content(conn, id, content).await,
            Change::Thread(id, update) => {
                seen.thread(id);
                update_thread(conn, id, update, now).await
            }
        }
    }

    /// Deletes the row of `id` (what goes with it goes by ON DELETE CASCADE).
    async fn delete(
        conn: &mut SqliteConnection,
        query: &'static str,
        id: Uuid,
    ) -> Result<(), BoxError> {
        sqlx::query(query)
            .bind(id.to_string())
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(boxed)
    }

    async fn update_thread(
        conn: &mut SqliteConnection,
        thread: Uuid,
        update: ThreadUpdate,
        now: &str,
    ) -> Result<(), BoxError> {
        let id = thread.to_string();
        let stored: Option<String> =
            sqlx::query_scalar(r#"SELECT metadata FROM "Thread" WHERE id = ?1"#)
                .bind(&id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(boxed)?;
        let mut metadata = json_map(stored);
        if let Some(changes) = update.metadata {
            merge_metadata(&mut metadata, changes);
        }
        let tags = update
            .tags
            .map(|t| serde_json::to_string(&t).unwrap_or_else(|_| "[]".to_owned()));
        sqlx::query(
            r#"INSERT INTO "Thread" (id, "createdAt", "updatedAt", name, "userId", metadata, tags)
               VALUES (?1, ?6, ?6, ?2, ?3, ?4, COALESCE(?5, '[]'))
               ON CONFLICT (id) DO UPDATE SET
                 name = COALESCE(excluded.name, "Thread".name),
                 "userId" = COALESCE(excluded."userId", "Thread"."userId"),
                 metadata = excluded.metadata,
                 tags = COALESCE(?5, "Thread".tags),
                 "updatedAt" = ?6"#,
        )
        .bind(&id)
        .bind(update.name)
        .bind(update.user_id)
        .bind(json_text(&metadata))
        .bind(tags)
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(boxed)
    }

    async fn upsert_step(
        conn: &mut SqliteConnection,
        step: StepDict,
        now: &str,
        seen: &mut Seen,
    ) -> Result<(), BoxError> {
        let start = started(&step);
        let end = step.end.clone().unwrap_or_else(|| start.clone());
        // The thread and the parent step exist (made once per transaction).
        if let Some(thread) = step.thread_id
            && seen.thread(thread)
        {
            sqlx::query(
                r#"INSERT INTO "Thread" (id, "createdAt", "updatedAt", metadata, tags)
                   VALUES (?1, ?2, ?2, '{}', '[]')
                   ON CONFLICT (id) DO UPDATE SET "updatedAt" = ?2"#,
            )
            .bind(thread.to_string())
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(boxed)?;
        }
        if let Some(parent) = step.parent_id
            && seen.parent(parent)
        {
            sqlx::query(
                r#"INSERT INTO "Step" (id, "createdAt", "updatedAt", "threadId", metadata, type, "startTime", "endTime")
                   VALUES (?1, ?4, ?4, ?2, '{}', 'run', ?3, ?3)
                   ON CONFLICT (id) DO NOTHING"#,
            )
            .bind(parent.to_string())
            .bind(step.thread_id.map(|t| t.to_string()))
            .bind(&start)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(boxed)?;
        }
        let row = StepRow::of(&step, start, end);
        sqlx::query(
            r#"INSERT INTO "Step" (id, "createdAt", "updatedAt", "threadId", "parentId", input,
                 metadata, name, output, type, "showInput", "isError", "startTime", "endTime")
               VALUES (?1, ?2, ?14, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
               ON CONFLICT (id) DO UPDATE SET
                 "parentId" = COALESCE(excluded."parentId", "Step"."parentId"),
                 input = COALESCE(NULLIF(excluded.input, ''), "Step".input),
                 metadata = CASE WHEN excluded.metadata <> '{}' THEN excluded.metadata ELSE "Step".metadata END,
                 name = COALESCE(NULLIF(excluded.name, ''), "Step".name),
                 output = COALESCE(NULLIF(excluded.output, ''), "Step".output),
                 type = CASE WHEN excluded.type = 'run' THEN "Step".type ELSE excluded.type END,
                 "threadId" = COALESCE(excluded."threadId", "Step"."threadId"),
                 "endTime" = COALESCE(excluded."endTime", "Step"."endTime"),
                 "startTime" = MIN(excluded."startTime", "Step"."startTime"),
                 "showInput" = COALESCE(excluded."showInput", "Step"."showInput"),
                 "isError" = COALESCE(excluded."isError", "Step"."isError"),
                 "updatedAt" = ?14"#,
        )
        .bind(row.id)
        .bind(row.created_at)
        .bind(row.thread_id)
        .bind(row.parent_id)
        .bind(row.input)
        .bind(json_text(&row.metadata))
        .bind(row.name)
        .bind(row.output)
        .bind(row.kind)
        .bind(row.show_input)
        .bind(row.is_error)
        .bind(row.start)
        .bind(row.end)
        .bind(now)
        .execute(conn)
        .await
        .map_err(boxed)?;
        seen.made(step.id);
        Ok(())
    }

    async fn create_element(
        conn: &mut SqliteConnection,
        element: ElementDict,
        now: &str,
    ) -> Result<(), BoxError> {
        let Some(row) = ElementRow::of(&element) else {
            return Err(BoxError::from(Refused(
                "an element is stored with the step it belongs to: set its for_id".to_owned(),
            )));
        };
        sqlx::query(
            r#"INSERT INTO "Element" (id, "createdAt", "updatedAt", "threadId", "stepId", metadata,
                 mime, name, "objectKey", url, "chainlitKey", display, size, language, page, props)
               VALUES (?1, ?15, ?15, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
               ON CONFLICT (id) DO UPDATE SET
                 metadata = excluded.metadata, mime = excluded.mime, name = excluded.name,
                 url = excluded.url, "chainlitKey" = excluded."chainlitKey", display = excluded.display,
                 size = excluded.size, language = excluded.language, page = excluded.page,
                 props = excluded.props, "updatedAt" = ?15"#,
        )
        .bind(row.id)
        .bind(row.thread_id)
        .bind(row.step_id)
        .bind(json_text(&row.metadata))
        .bind(row.mime)
        .bind(row.name)
        .bind(row.object_key)
        .bind(row.url)
        .bind(row.chainlit_key)
        .bind(row.display)
        .bind(row.size)
        .bind(row.language)
        .bind(row.page)
        .bind(row.props.as_ref().map(json_text))
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(boxed)
    }

    async fn put_content(
        conn: &mut SqliteConnection,
        element: Uuid,
        content: ElementContent,
    ) -> Result<(), BoxError> {
        sqlx::query(
            r#"INSERT INTO "ElementContent" ("elementId", mime, content) VALUES (?1, ?2, ?3)
               ON CONFLICT ("elementId") DO UPDATE SET mime = excluded.mime, content = excluded.content"#,
        )
        .bind(element.to_string())
        .bind(content.mime)
        .bind(content.content)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(boxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn times_are_written_as_sqlite_writes_them() {
        let layer = SqliteDataLayer::connect("sqlite::memory:")
            .await
            .expect("an in-memory database");
        let sqlite: String = sqlx::query_scalar("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")
            .fetch_one(&layer.pool)
            .await
            .expect("strftime");
        let ours = stamp();
        let shape = |t: &str| -> String {
            t.chars()
                .map(|c| if c.is_ascii_digit() { '0' } else { c })
                .collect()
        };
        assert_eq!(shape(&ours), shape(&sqlite), "{ours} vs {sqlite}");
        assert_eq!(shape(&ours), "0000-00-00T00:00:00.000Z");
    }

    #[tokio::test]
    async fn the_sqlite_layer_keeps_the_contract() {
        let layer = SqliteDataLayer::connect("sqlite::memory:")
            .await
            .expect("an in-memory database");
        super::super::contract::run(&layer).await;
    }

    #[tokio::test]
    async fn a_file_database_is_created_with_its_schema_and_reopened() {
        let path = std::env::temp_dir().join(format!("chainrs-data-{}.db", Uuid::new_v4()));
        let url = format!("sqlite://{}", path.display());
        let layer = SqliteDataLayer::connect(&url).await.expect("created");
        layer.create_user(&User::new("fi")).await.expect("user");
        drop(layer);
        let again = SqliteDataLayer::connect(&url).await.expect("reopened");
        assert!(
            again.get_user("fi").await.expect("get").is_some(),
            "kept in the file"
        );
        let _ = std::fs::remove_file(&path);
        let bad = SqliteDataLayer::connect("mysql://nope")
            .await
            .expect_err("not SQLite");
        assert!(bad.to_string().contains("sqlite://"), "{bad}");
    }
}
