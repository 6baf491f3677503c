-- chainrs's embedded data layer: the tables and columns of Chainlit's PostgreSQL schema, in
-- SQLite's types (times as ISO-8601 text, ids as text, JSON as text). Safe to run again.
CREATE TABLE IF NOT EXISTS "User" (
    id TEXT PRIMARY KEY,
    "createdAt" TEXT NOT NULL,
    "updatedAt" TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    identifier TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS "Thread" (
    id TEXT PRIMARY KEY,
    "createdAt" TEXT NOT NULL,
    "updatedAt" TEXT NOT NULL,
    "deletedAt" TEXT,
    name TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    tags TEXT NOT NULL DEFAULT '[]',
    "userId" TEXT REFERENCES "User" (id)
);
CREATE INDEX IF NOT EXISTS "Thread_userId_updatedAt" ON "Thread" ("userId", "updatedAt");
CREATE TABLE IF NOT EXISTS "Step" (
    id TEXT PRIMARY KEY,
    "createdAt" TEXT NOT NULL,
    "updatedAt" TEXT NOT NULL,
    "parentId" TEXT REFERENCES "Step" (id) ON DELETE CASCADE,
    "threadId" TEXT REFERENCES "Thread" (id) ON DELETE CASCADE,
    input TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    name TEXT,
    output TEXT,
    type TEXT NOT NULL,
    "showInput" TEXT DEFAULT 'json',
    "isError" BOOLEAN DEFAULT false,
    "startTime" TEXT NOT NULL,
    "endTime" TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS "Step_threadId_startTime" ON "Step" ("threadId", "startTime");
CREATE INDEX IF NOT EXISTS "Step_parentId" ON "Step" ("parentId");
CREATE TABLE IF NOT EXISTS "Element" (
    id TEXT PRIMARY KEY,
    "createdAt" TEXT NOT NULL,
    "updatedAt" TEXT NOT NULL,
    "threadId" TEXT REFERENCES "Thread" (id) ON DELETE CASCADE,
    "stepId" TEXT NOT NULL REFERENCES "Step" (id) ON DELETE CASCADE,
    metadata TEXT NOT NULL DEFAULT '{}',
    mime TEXT,
    name TEXT NOT NULL,
    "objectKey" TEXT,
    url TEXT,
    "chainlitKey" TEXT,
    display TEXT,
    size TEXT,
    language TEXT,
    page INTEGER,
    props TEXT
);
CREATE INDEX IF NOT EXISTS "Element_threadId" ON "Element" ("threadId");
CREATE INDEX IF NOT EXISTS "Element_stepId" ON "Element" ("stepId");
CREATE TABLE IF NOT EXISTS "Feedback" (
    id TEXT PRIMARY KEY,
    "createdAt" TEXT NOT NULL,
    "updatedAt" TEXT NOT NULL,
    "stepId" TEXT REFERENCES "Step" (id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT 'user_feedback',
    value REAL NOT NULL,
    comment TEXT
);
CREATE INDEX IF NOT EXISTS "Feedback_stepId" ON "Feedback" ("stepId");
-- chainrs's own table: the content of elements kept with their thread (Chainlit puts it in an
-- object store), gone with its element.
CREATE TABLE IF NOT EXISTS "ElementContent" (
    "elementId" TEXT PRIMARY KEY REFERENCES "Element" (id) ON DELETE CASCADE,
    mime TEXT NOT NULL,
    content BLOB NOT NULL
);
