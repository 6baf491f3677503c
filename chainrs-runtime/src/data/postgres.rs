//! [`PostgresDataLayer`]: conversations in PostgreSQL, on Chainlit's own schema (`"User"`,
//! `"Thread"`, `"Step"`, `"Element"`, `"Feedback"`), laid out when missing, so a database
//! Chainlit wrote is read as it is and several instances share one.

use sqlx::Row;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
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

const SCHEMA: &str = include_str!("postgres.sql");

/// A step's columns, times as ISO-8601 UTC text.
macro_rules! step_columns {
    () => {
        r#"s.id, s."threadId", s."parentId", s.name, s.type::text AS type, s.input, s.output,
           s.metadata::text AS metadata, s."showInput", s."isError",
           to_char(s."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
           to_char(s."startTime", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "startTime",
           to_char(s."endTime", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "endTime""#
    };
}

/// An element's columns.
macro_rules! element_columns {
    () => {
        r#"e.id, e."threadId", e."stepId", e.metadata::text AS metadata, e.mime, e.name,
           e."objectKey", e.url, e."chainlitKey", e.display, e.size, e.language, e.page,
           e.props::text AS props"#
    };
}

/// A user's columns.
macro_rules! user_columns {
    () => {
        r#"id, identifier, metadata::text AS metadata,
           to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt""#
    };
}

/// Conversations in PostgreSQL (`postgres://user@host/db`) on Chainlit's schema.
#[derive(Clone, Debug)]
pub struct PostgresDataLayer {
    pool: PgPool,
}

impl PostgresDataLayer {
    /// Connects to `url` and lays out Chainlit's schema where it is missing.
    pub async fn connect(url: &str) -> Result<Self> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(Error::Config(format!(
                "{url:?} is not a PostgreSQL URL: write it as postgres://user:password@host:5432/db"
            )));
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| Error::Config(format!("cannot reach PostgreSQL at {url:?}: {e}")))?;
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .map_err(|e| Error::Config(format!("cannot lay out Chainlit's schema: {e}")))?;
        Ok(PostgresDataLayer { pool })
    }
}

row_readers!(PgRow);

/// `text` for an ILIKE pattern, its wildcards escaped with `\`.
fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl PostgresDataLayer {
    async fn thread(&self, thread: Uuid) -> std::result::Result<Option<ThreadDict>, sqlx::Error> {
        let id = thread.to_string();
        let Some(row) = sqlx::query(
            r#"SELECT t.id, to_char(t."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
                 t.name, t."userId", t.metadata::text AS metadata, t.tags, u.identifier
               FROM "Thread" t LEFT JOIN "User" u ON u.id = t."userId"
               WHERE t.id = $1 AND t."deletedAt" IS NULL"#,
        )
        .bind(&id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let steps = sqlx::query(concat!(
            "SELECT ",
            step_columns!(),
            r#" FROM "Step" s WHERE s."threadId" = $1 ORDER BY s."startTime", s."createdAt""#
        ))
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(step_of)
        .collect::<std::result::Result<Vec<_>, _>>()?;
        let feedback = sqlx::query(
            r#"SELECT f.id, f."stepId", f.value, f.comment FROM "Feedback" f
               JOIN "Step" s ON s.id = f."stepId"
               WHERE s."threadId" = $1 ORDER BY f."updatedAt""#,
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(feedback_of)
        .collect::<std::result::Result<Vec<_>, _>>()?;
        let elements = sqlx::query(concat!(
            "SELECT ",
            element_columns!(),
            r#" FROM "Element" e WHERE e."threadId" = $1 ORDER BY e."createdAt""#
        ))
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(element_of)
        .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Some(rows::thread(
            thread,
            row.try_get("createdAt")?,
            row.try_get("name")?,
            row.try_get("userId")?,
            row.try_get("identifier")?,
            row.try_get("tags")?,
            json_map(row.try_get("metadata")?),
            steps,
            feedback,
            elements,
        )))
    }
}

/// The thread list's query, with the condition on the user (`$2`) given: a plain equality when
/// a user is named, so the index serves it.
macro_rules! thread_list {
    ($user:literal) => {
        concat!(
            r#"SELECT t.id, to_char(t."updatedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt",
                 t.name, t."userId", t.metadata::text AS metadata, t.tags, u.identifier
               FROM "Thread" t LEFT JOIN "User" u ON u.id = t."userId"
               LEFT JOIN "Thread" c ON c.id = $1
               WHERE t."deletedAt" IS NULL AND "#,
            $user,
            r#"
                 AND ($3::text IS NULL OR t.name ILIKE '%' || $3 || '%')
                 AND ($4::float8 IS NULL OR EXISTS (
                   SELECT 1 FROM "Step" s JOIN "Feedback" f ON f."stepId" = s.id
                   WHERE s."threadId" = t.id AND f.value = $4))
                 AND ($1::text IS NULL OR c.id IS NULL OR t."updatedAt" < c."updatedAt"
                      OR (t."updatedAt" = c."updatedAt" AND t.id < c.id))
               ORDER BY t."updatedAt" DESC, t.id DESC
               LIMIT $5"#
        )
    };
}

impl DataLayer for PostgresDataLayer {
    fn get_user(&self, identifier: &str) -> DataFuture<'_, Option<PersistedUser>> {
        let identifier = identifier.to_owned();
        Box::pin(async move {
            let row = sqlx::query(concat!(
                "SELECT ",
                user_columns!(),
                r#" FROM "User" WHERE identifier = $1"#
            ))
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
            let row = sqlx::query(concat!(
                r#"INSERT INTO "User" (id, metadata, identifier) VALUES ($1, $2::jsonb, $3)
                   ON CONFLICT (identifier) DO UPDATE SET metadata = EXCLUDED.metadata,
                     "updatedAt" = CURRENT_TIMESTAMP
                   RETURNING "#,
                user_columns!()
            ))
            .bind(Uuid::new_v4().to_string())
            .bind(metadata)
            .bind(identifier)
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
                   WHERE t.id = $1 AND t."deletedAt" IS NULL"#,
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
            let mut tx = self.pool.begin().await.map_err(boxed)?;
            let id = thread.to_string();
            // Chainlit's schema keeps feedback when its step goes: delete it first.
            sqlx::query(
                r#"DELETE FROM "Feedback" WHERE "stepId" IN (SELECT id FROM "Step" WHERE "threadId" = $1)"#,
            )
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(boxed)?;
            sqlx::query(r#"DELETE FROM "Thread" WHERE id = $1"#)
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(boxed)?;
            tx.commit().await.map_err(boxed)
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
                Some(_) => thread_list!(r#"t."userId" = $2"#),
                None => thread_list!("$2::text IS NULL"),
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
                data.push(ThreadDict {
                    id,
                    // As Chainlit answers: the last activity, which the sidebar groups by.
                    created_at: row.try_get("updatedAt").map_err(boxed)?,
                    name: row.try_get("name").map_err(boxed)?,
                    user_id: row.try_get("userId").map_err(boxed)?,
                    user_identifier: row.try_get("identifier").map_err(boxed)?,
                    tags: row.try_get("tags").map_err(boxed)?,
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
        self.apply(vec![Change::DeleteStep(step)])
    }

    fn get_step_thread(&self, step: Uuid) -> DataFuture<'_, Option<Uuid>> {
        Box::pin(async move {
            let thread: Option<Option<String>> =
                sqlx::query_scalar(r#"SELECT "threadId" FROM "Step" WHERE id = $1"#)
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
            let row = sqlx::query(concat!(
                "SELECT ",
                element_columns!(),
                r#" FROM "Element" e WHERE e.id = $1 AND e."threadId" = $2"#
            ))
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
                   WHERE c."elementId" = $1 AND e."threadId" = $2"#,
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
            sqlx::query(
                r#"INSERT INTO "Feedback" (id, "stepId", name, value, comment)
                   VALUES ($1, $2, 'user_feedback', $3, $4)
                   ON CONFLICT (id) DO UPDATE SET "stepId" = EXCLUDED."stepId",
                     value = EXCLUDED.value, comment = EXCLUDED.comment,
                     "updatedAt" = clock_timestamp()"#,
            )
            .bind(id.to_string())
            .bind(feedback.for_id.to_string())
            .bind(f64::from(feedback.value))
            .bind(feedback.comment)
            .execute(&self.pool)
            .await
            .map_err(boxed)?;
            Ok(id)
        })
    }

    fn delete_feedback(&self, feedback: Uuid) -> DataFuture<'_, bool> {
        Box::pin(async move {
            let done = sqlx::query(r#"DELETE FROM "Feedback" WHERE id = $1"#)
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
                sqlx::query_scalar(r#"SELECT "stepId" FROM "Feedback" WHERE id = $1"#)
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
                r#"DELETE FROM "Feedback" WHERE "stepId" IN (
                     SELECT s.id FROM "Step" s JOIN "Thread" t ON t.id = s."threadId"
                     JOIN "User" u ON u.id = t."userId" WHERE u.identifier = $1)"#,
            )
            .bind(&identifier)
            .execute(&mut *tx)
            .await
            .map_err(boxed)?;
            sqlx::query(
                r#"DELETE FROM "Thread" WHERE "userId" IN (SELECT id FROM "User" WHERE identifier = $1)"#,
            )
            .bind(&identifier)
            .execute(&mut *tx)
            .await
            .map_err(boxed)?;
            sqlx::query(r#"DELETE FROM "User" WHERE identifier = $1"#)
                .bind(&identifier)
                .execute(&mut *tx)
                .await
                .map_err(boxed)?;
            tx.commit().await.map_err(boxed)
        })
    }

    fn apply(&self, changes: Vec<Change>) -> DataFuture<'_, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await.map_err(boxed)?;
            let mut seen = Seen::default();
            for change in coalesced(changes) {
                changes::make(&mut tx, change, &mut seen).await?;
            }
            tx.commit().await.map_err(boxed)
        })
    }
}

/// The writes, each made on a connection inside a transaction (of one change, or of a batch).
mod changes {
    use sqlx::PgConnection;
    use uuid::Uuid;

    use super::super::rows::{
        ElementRow, Seen, StepRow, boxed, json_map, json_text, merge_metadata, started,
    };
    use super::super::{Change, ElementContent, Refused, ThreadUpdate};
    use crate::error::BoxError;
    use crate::protocol::{ElementDict, StepDict};

    /// Makes `change` on `conn`; `seen` is what its transaction made before it.
    pub(super) async fn make(
        conn: &mut PgConnection,
        change: Change,
        seen: &mut Seen,
    ) -> Result<(), BoxError> {
        match change {
            Change::Step(step) => upsert_step(conn, step, seen).await,
            Change::DeleteStep(id) => {
                seen.deleted();
                // Chainlit's schema keeps feedback when its step goes: delete it first. Its
                // elements and child steps go with it (ON DELETE CASCADE).
                delete(
                    &mut *conn,
                    r#"DELETE FROM "Feedback" WHERE "stepId" = $1"#,
                    id,
                )
                .await?;
                delete(conn, r#"DELETE FROM "Step" WHERE id = $1"#, id).await
            }
            Change::Element(element) => create_element(conn, element).await,
            Change::DeleteElement(id) => {
                delete(conn, r#"DELETE FROM "Element" WHERE id = $1"#, id).await
            }
            Change::ElementContent(id, content) => put_content(conn, id, content).await,
            Change::Thread(id, update) => {
                seen.thread(id);
                update_thread(conn, id, update).await
            }
        }
    }

    /// Deletes the rows `query` names by `id`.
    async fn delete(
        conn: &mut PgConnection,
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
        conn: &mut PgConnection,
        thread: Uuid,
        update: ThreadUpdate,
    ) -> Result<(), BoxError> {
        let id = thread.to_string();
        // The row is locked while its metadata is merged, so concurrent updates add up.
        let stored: Option<String> =
            sqlx::query_scalar(r#"SELECT metadata::text FROM "Thread" WHERE id = $1 FOR UPDATE"#)
                .bind(&id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(boxed)?;
        let mut metadata = json_map(stored);
        if let Some(changes) = update.metadata {
            merge_metadata(&mut metadata, changes);
        }
        sqlx::query(
            r#"INSERT INTO "Thread" (id, name, "userId", metadata, tags)
               VALUES ($1, $2, $3, $4::jsonb, COALESCE($5, ARRAY[]::TEXT[]))
               ON CONFLICT (id) DO UPDATE SET
                 name = COALESCE(EXCLUDED.name, "Thread".name),
                 "userId" = COALESCE(EXCLUDED."userId", "Thread"."userId"),
                 metadata = EXCLUDED.metadata,
                 tags = COALESCE($5, "Thread".tags),
                 "updatedAt" = clock_timestamp()"#,
        )
        .bind(&id)
        .bind(update.name)
        .bind(update.user_id)
        .bind(json_text(&metadata))
        .bind(update.tags)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(boxed)
    }

    async fn upsert_step(
        conn: &mut PgConnection,
        step: StepDict,
        seen: &mut Seen,
    ) -> Result<(), BoxError> {
        let start = started(&step);
        let end = step.end.clone().unwrap_or_else(|| start.clone());
        // The thread and the parent step exist (made once per transaction).
        if let Some(thread) = step.thread_id
            && seen.thread(thread)
        {
            sqlx::query(
                r#"INSERT INTO "Thread" (id, metadata) VALUES ($1, '{}'::jsonb)
                   ON CONFLICT (id) DO UPDATE SET "updatedAt" = clock_timestamp()"#,
            )
            .bind(thread.to_string())
            .execute(&mut *conn)
            .await
            .map_err(boxed)?;
        }
        if let Some(parent) = step.parent_id
            && seen.parent(parent)
        {
            sqlx::query(
                r#"INSERT INTO "Step" (id, "threadId", metadata, type, "startTime", "endTime")
                   VALUES ($1, $2, '{}'::jsonb, 'run',
                     ($3::timestamptz AT TIME ZONE 'UTC'), ($3::timestamptz AT TIME ZONE 'UTC'))
                   ON CONFLICT (id) DO NOTHING"#,
            )
            .bind(parent.to_string())
            .bind(step.thread_id.map(|t| t.to_string()))
            .bind(&start)
            .execute(&mut *conn)
            .await
            .map_err(boxed)?;
        }
        let row = StepRow::of(&step, start, end);
        sqlx::query(
            r#"INSERT INTO "Step" (id, "createdAt", "threadId", "parentId", input, metadata, name,
                 output, type, "showInput", "isError", "startTime", "endTime")
               VALUES ($1, ($2::timestamptz AT TIME ZONE 'UTC'), $3, $4, $5, $6::jsonb, $7, $8,
                 $9::"StepType", $10, $11, ($12::timestamptz AT TIME ZONE 'UTC'),
                 ($13::timestamptz AT TIME ZONE 'UTC'))
               ON CONFLICT (id) DO UPDATE SET
                 "parentId" = COALESCE(EXCLUDED."parentId", "Step"."parentId"),
                 input = COALESCE(NULLIF(EXCLUDED.input, ''), "Step".input),
                 metadata = CASE WHEN EXCLUDED.metadata <> '{}'::jsonb THEN EXCLUDED.metadata
                                 ELSE "Step".metadata END,
                 name = COALESCE(NULLIF(EXCLUDED.name, ''), "Step".name),
                 output = COALESCE(NULLIF(EXCLUDED.output, ''), "Step".output),
                 type = CASE WHEN EXCLUDED.type = 'run' THEN "Step".type ELSE EXCLUDED.type END,
                 "threadId" = COALESCE(EXCLUDED."threadId", "Step"."threadId"),
                 "endTime" = COALESCE(EXCLUDED."endTime", "Step"."endTime"),
                 "startTime" = LEAST(EXCLUDED."startTime", "Step"."startTime"),
                 "showInput" = COALESCE(EXCLUDED."showInput", "Step"."showInput"),
                 "isError" = COALESCE(EXCLUDED."isError", "Step"."isError"),
                 "updatedAt" = clock_timestamp()"#,
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
        .execute(conn)
        .await
        .map_err(boxed)?;
        seen.made(step.id);
        Ok(())
    }

    async fn create_element(conn: &mut PgConnection, element: ElementDict) -> Result<(), BoxError> {
        let Some(row) = ElementRow::of(&element) else {
            return Err(BoxError::from(Refused(
                "an element is stored with the step it belongs to: set its for_id".to_owned(),
            )));
        };
        sqlx::query(
            r#"INSERT INTO "Element" (id, "threadId", "stepId", metadata, mime, name, "objectKey",
                 url, "chainlitKey", display, size, language, page, props)
               VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb)
               ON CONFLICT (id) DO UPDATE SET
                 metadata = EXCLUDED.metadata, mime = EXCLUDED.mime, name = EXCLUDED.name,
                 url = EXCLUDED.url, "chainlitKey" = EXCLUDED."chainlitKey",
                 display = EXCLUDED.display, size = EXCLUDED.size,
                 language = EXCLUDED.language, page = EXCLUDED.page, props = EXCLUDED.props,
                 "updatedAt" = clock_timestamp()"#,
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
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(boxed)
    }

    async fn put_content(
        conn: &mut PgConnection,
        element: Uuid,
        content: ElementContent,
    ) -> Result<(), BoxError> {
        sqlx::query(
            r#"INSERT INTO "ElementContent" ("elementId", mime, content) VALUES ($1, $2, $3)
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

    /// A database of its own on the PostgreSQL server the tests use, dropped afterwards.
    struct OwnDatabase {
        admin: PgPool,
        name: String,
        url: String,
    }

    impl OwnDatabase {
        async fn create() -> OwnDatabase {
            let base = std::env::var("CHAINRS_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
            let admin = PgPool::connect(&base).await.unwrap_or_else(|e| {
                panic!(
                    "the PostgreSQL data layer tests need a server at {base} (CHAINRS_POSTGRES_URL; \
                     bash .ci/run starts one): {e}"
                )
            });
            let name = format!("chainrs_test_{}", Uuid::new_v4().simple());
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

        async fn drop_it(self) {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&self.admin)
            .await;
        }
    }

    #[tokio::test]
    async fn the_postgres_layer_keeps_the_contract() {
        let db = OwnDatabase::create().await;
        let layer = PostgresDataLayer::connect(&db.url).await.expect("connect");
        super::super::contract::run(&layer).await;
        // Laying out the schema again finds it there and changes nothing.
        let again = PostgresDataLayer::connect(&db.url)
            .await
            .expect("reconnect");
        assert!(again.get_user("ada").await.expect("get").is_some());
        drop((layer, again));
        db.drop_it().await;
        let bad = PostgresDataLayer::connect("sqlite://x.db")
            .await
            .expect_err("not PostgreSQL");
        assert!(bad.to_string().contains("postgres://"), "{bad}");
    }

    /// Rows as Chainlit's own data layer writes them (its column use, its step types, times
    /// without a zone, tags as an array), read back through chainrs.
    #[tokio::test]
    async fn a_database_chainlit_wrote_is_listed_and_read() {
        let db = OwnDatabase::create().await;
        let layer = PostgresDataLayer::connect(&db.url).await.expect("connect");
        let pool = PgPool::connect(&db.url).await.expect("connect");
        let (thread, question, answer) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let chainlit_rows = format!(
            r#"INSERT INTO "User" (id, metadata, identifier) VALUES ('u-1', '{{"provider": "credentials"}}', 'alice');
               INSERT INTO "Thread" (id, "createdAt", "updatedAt", name, metadata, "userId", tags)
                 VALUES ('{thread}', '2025-05-01 10:00:00', '2025-05-01 10:05:00', 'Weather in Paris',
                         '{{"chat_profile": null, "memory": {{"turns": 2}}}}', 'u-1', ARRAY['weather']);
               INSERT INTO "Step" (id, "threadId", "parentId", input, metadata, name, output, type,
                   "showInput", "isError", "startTime", "endTime")
                 VALUES ('{question}', '{thread}', NULL, '', '{{}}', 'alice', 'Weather in Paris?',
                         'user_message', 'json', false, '2025-05-01 10:00:01', '2025-05-01 10:00:01'),
                        ('{answer}', '{thread}', NULL, '', '{{"model": "gpt"}}', 'Assistant', 'Sunny.',
                         'assistant_message', 'json', false, '2025-05-01 10:00:02', '2025-05-01 10:00:03');
               INSERT INTO "Element" (id, "threadId", "stepId", metadata, mime, name, "chainlitKey", display, size)
                 VALUES ('00000000-0000-0000-0000-00000000e1e1', '{thread}', '{answer}', '{{"type": "image"}}',
                         'image/png', 'map', 'obj-1', 'inline', 'medium');
               INSERT INTO "Feedback" (id, "stepId", name, value, comment)
                 VALUES ('00000000-0000-0000-0000-0000000000fb', '{answer}', 'user_feedback', 1, 'thanks');"#
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(chainlit_rows))
            .execute(&pool)
            .await
            .expect("Chainlit's rows");
        let alice = layer.get_user("alice").await.expect("get").expect("alice");
        let page = layer
            .list_threads(
                Pagination {
                    first: 20,
                    cursor: None,
                },
                ThreadFilter {
                    user_id: Some(alice.id.clone()),
                    ..ThreadFilter::default()
                },
            )
            .await
            .expect("list");
        assert_eq!(page.data.len(), 1);
        assert_eq!(page.data[0].name.as_deref(), Some("Weather in Paris"));
        assert_eq!(
            page.data[0].created_at, "2025-05-01T10:05:00.000Z",
            "the last activity"
        );
        let got = layer
            .get_thread(thread)
            .await
            .expect("get")
            .expect("the thread");
        assert_eq!(got.user_identifier.as_deref(), Some("alice"));
        assert_eq!(got.tags.as_deref(), Some(&["weather".to_owned()][..]));
        assert_eq!(got.metadata["memory"]["turns"], serde_json::json!(2));
        let texts: Vec<&str> = got.steps.iter().map(|s| s.output.as_str()).collect();
        assert_eq!(texts, ["Weather in Paris?", "Sunny."]);
        assert_eq!(
            got.steps[1].start.as_deref(),
            Some("2025-05-01T10:00:02.000Z")
        );
        let feedback = got.steps[1].feedback.as_ref().expect("feedback");
        assert_eq!(
            (feedback.value, feedback.comment.as_deref()),
            (1, Some("thanks"))
        );
        assert_eq!(got.elements.len(), 1);
        assert_eq!(
            (
                got.elements[0].kind,
                got.elements[0].chainlit_key.as_deref(),
                got.elements[0].for_id
            ),
            (
                crate::protocol::ElementKind::Image,
                Some("obj-1"),
                Some(answer)
            )
        );
        assert_eq!(
            layer
                .get_thread_author(thread)
                .await
                .expect("author")
                .as_deref(),
            Some("alice")
        );
        // And chainrs's writes land in the same tables, readable as Chainlit reads them.
        layer
            .update_thread(
                thread,
                ThreadUpdate {
                    name: Some("Paris".to_owned()),
                    ..ThreadUpdate::default()
                },
            )
            .await
            .expect("rename");
        let name: Option<String> = sqlx::query_scalar(r#"SELECT name FROM "Thread" WHERE id = $1"#)
            .bind(thread.to_string())
            .fetch_one(&pool)
            .await
            .expect("read");
        assert_eq!(name.as_deref(), Some("Paris"));
        drop((layer, pool));
        db.drop_it().await;
    }
}
