-- CreateTable
CREATE TABLE "flow" (
    "workspace_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "current_version" INTEGER NOT NULL,
    "trigger_sources" TEXT[],
    "trigger_events" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "flow_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "flow_version" (
    "workspace_id" TEXT NOT NULL,
    "flow_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "definition" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT,

    CONSTRAINT "flow_version_pkey" PRIMARY KEY ("flow_id","version")
);

-- CreateTable
CREATE TABLE "flow_workspace" (
    "workspace_id" TEXT NOT NULL,
    "generation" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "flow_workspace_pkey" PRIMARY KEY ("workspace_id")
);

-- CreateTable
CREATE TABLE "flow_execution" (
    "workspace_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "flow_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "event_id" TEXT NOT NULL,
    "dedupe_event_id" TEXT,
    "replay_of" TEXT,
    "origin" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "event" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "flow_execution_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "flow_step" (
    "workspace_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "execution_id" TEXT NOT NULL,
    "action_id" TEXT NOT NULL,
    "action_index" INTEGER NOT NULL,
    "attempt" INTEGER NOT NULL,
    "state" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "request" JSONB,
    "status" INTEGER,
    "response_body" JSONB,
    "body_truncated" BOOLEAN NOT NULL DEFAULT false,
    "latency_ms" INTEGER,
    "error_class" TEXT,
    "error" TEXT,
    "retry_at" TIMESTAMPTZ(3),
    "copied_from" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "flow_step_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "flow_skip_count" (
    "workspace_id" TEXT NOT NULL,
    "flow_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "skipped" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "flow_skip_count_pkey" PRIMARY KEY ("workspace_id","flow_id","day")
);

-- CreateTable
CREATE TABLE "flow_replay" (
    "workspace_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "flow_id" TEXT NOT NULL,
    "filter" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "scanned" INTEGER NOT NULL DEFAULT 0,
    "executions" INTEGER NOT NULL DEFAULT 0,
    "cursor" TEXT,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "flow_replay_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "flow_workspace_id_created_at_idx" ON "flow"("workspace_id", "created_at");

-- CreateIndex
CREATE INDEX "flow_version_workspace_id_idx" ON "flow_version"("workspace_id");

-- CreateIndex
CREATE INDEX "flow_execution_workspace_id_created_at_id_idx" ON "flow_execution"("workspace_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "flow_execution_workspace_id_flow_id_created_at_idx" ON "flow_execution"("workspace_id", "flow_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "flow_execution_workspace_id_event_id_idx" ON "flow_execution"("workspace_id", "event_id");

-- CreateIndex
CREATE UNIQUE INDEX "flow_execution_flow_id_dedupe_event_id_key" ON "flow_execution"("flow_id", "dedupe_event_id");

-- CreateIndex
CREATE INDEX "flow_step_workspace_id_idx" ON "flow_step"("workspace_id");

-- CreateIndex
CREATE UNIQUE INDEX "flow_step_execution_id_action_index_attempt_key" ON "flow_step"("execution_id", "action_index", "attempt");

-- CreateIndex
CREATE INDEX "flow_replay_workspace_id_flow_id_idx" ON "flow_replay"("workspace_id", "flow_id");
