-- Chainlit's PostgreSQL schema (the tables of its official data layer), laid out by chainrs
-- when missing, so a database Chainlit already wrote is read as it is. Safe to run again.
DO $$ BEGIN
    CREATE TYPE "StepType" AS ENUM ('assistant_message', 'embedding', 'llm', 'retrieval',
        'rerank', 'run', 'system_message', 'tool', 'undefined', 'user_message');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

CREATE TABLE IF NOT EXISTS "User" (
    id TEXT NOT NULL DEFAULT gen_random_uuid(),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    metadata JSONB NOT NULL,
    identifier TEXT NOT NULL,
    CONSTRAINT "User_pkey" PRIMARY KEY (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS "User_identifier_key" ON "User" (identifier);

CREATE TABLE IF NOT EXISTS "Thread" (
    id TEXT NOT NULL DEFAULT gen_random_uuid(),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" TIMESTAMP(3),
    name TEXT,
    metadata JSONB NOT NULL,
    "userId" TEXT,
    tags TEXT[] DEFAULT ARRAY[]::TEXT[],
    CONSTRAINT "Thread_pkey" PRIMARY KEY (id),
    CONSTRAINT "Thread_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" (id)
        ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE INDEX IF NOT EXISTS "Thread_createdAt_idx" ON "Thread" ("createdAt");
CREATE INDEX IF NOT EXISTS "Thread_name_idx" ON "Thread" (name);
-- chainrs's own index (not in Chainlit's schema): a user's threads by last activity, the
-- history sidebar's list.
CREATE INDEX IF NOT EXISTS "Thread_userId_updatedAt_idx" ON "Thread" ("userId", "updatedAt");

CREATE TABLE IF NOT EXISTS "Step" (
    id TEXT NOT NULL DEFAULT gen_random_uuid(),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "parentId" TEXT,
    "threadId" TEXT,
    input TEXT,
    metadata JSONB NOT NULL,
    name TEXT,
    output TEXT,
    type "StepType" NOT NULL,
    "showInput" TEXT DEFAULT 'json',
    "isError" BOOLEAN DEFAULT false,
    "startTime" TIMESTAMP(3) NOT NULL,
    "endTime" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Step_pkey" PRIMARY KEY (id),
    CONSTRAINT "Step_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Step" (id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Step_threadId_fkey" FOREIGN KEY ("threadId") REFERENCES "Thread" (id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX IF NOT EXISTS "Step_threadId_startTime_endTime_idx" ON "Step" ("threadId", "startTime", "endTime");
CREATE INDEX IF NOT EXISTS "Step_parentId_idx" ON "Step" ("parentId");

CREATE TABLE IF NOT EXISTS "Element" (
    id TEXT NOT NULL DEFAULT gen_random_uuid(),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "threadId" TEXT,
    "stepId" TEXT NOT NULL,
    metadata JSONB NOT NULL,
    mime TEXT,
    name TEXT NOT NULL,
    "objectKey" TEXT,
    url TEXT,
    "chainlitKey" TEXT,
    display TEXT,
    size TEXT,
    language TEXT,
    page INTEGER,
    props JSONB,
    CONSTRAINT "Element_pkey" PRIMARY KEY (id),
    CONSTRAINT "Element_stepId_fkey" FOREIGN KEY ("stepId") REFERENCES "Step" (id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Element_threadId_fkey" FOREIGN KEY ("threadId") REFERENCES "Thread" (id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX IF NOT EXISTS "Element_stepId_idx" ON "Element" ("stepId");
CREATE INDEX IF NOT EXISTS "Element_threadId_idx" ON "Element" ("threadId");

CREATE TABLE IF NOT EXISTS "Feedback" (
    id TEXT NOT NULL DEFAULT gen_random_uuid(),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stepId" TEXT,
    name TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    comment TEXT,
    CONSTRAINT "Feedback_pkey" PRIMARY KEY (id),
    CONSTRAINT "Feedback_stepId_fkey" FOREIGN KEY ("stepId") REFERENCES "Step" (id)
        ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE INDEX IF NOT EXISTS "Feedback_stepId_idx" ON "Feedback" ("stepId");

-- chainrs's own table: the content of elements kept with their thread (Chainlit puts it in an
-- object store), gone with its element.
CREATE TABLE IF NOT EXISTS "ElementContent" (
    "elementId" TEXT NOT NULL,
    mime TEXT NOT NULL,
    content BYTEA NOT NULL,
    CONSTRAINT "ElementContent_pkey" PRIMARY KEY ("elementId"),
    CONSTRAINT "ElementContent_elementId_fkey" FOREIGN KEY ("elementId") REFERENCES "Element" (id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
