-- CreateTable
CREATE TABLE "webhook_source" (
    "workspace_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "verification" JSONB NOT NULL,
    "dedup_rule" JSONB NOT NULL,
    "max_body_bytes" INTEGER NOT NULL,
    "content_types" TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "secret_encrypted" TEXT,
    "previous_secret_encrypted" TEXT,
    "previous_secret_expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_source_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_event" (
    "workspace_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "source_kind" TEXT NOT NULL,
    "source_key" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "dedup_key" TEXT NOT NULL,
    "content_type" TEXT,
    "body" BYTEA NOT NULL,
    "headers" JSONB NOT NULL,
    "verification" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "job_id" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "processed_at" TIMESTAMPTZ(3),
    "last_error" TEXT,

    CONSTRAINT "webhook_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_rejection" (
    "workspace_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "source_key" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "event_type" TEXT,
    "headers" JSONB NOT NULL,
    "body_bytes" INTEGER NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_rejection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_source_stats" (
    "workspace_id" TEXT NOT NULL,
    "source_key" TEXT NOT NULL,
    "accepted" BIGINT NOT NULL DEFAULT 0,
    "duplicates" BIGINT NOT NULL DEFAULT 0,
    "rejected" BIGINT NOT NULL DEFAULT 0,
    "last_received_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_source_stats_pkey" PRIMARY KEY ("workspace_id","source_key")
);

-- CreateIndex
CREATE INDEX "webhook_source_workspace_id_created_at_idx" ON "webhook_source"("workspace_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_event_workspace_id_received_at_id_idx" ON "webhook_event"("workspace_id", "received_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "webhook_event_received_at_idx" ON "webhook_event"("received_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_event_workspace_id_source_key_dedup_key_key" ON "webhook_event"("workspace_id", "source_key", "dedup_key");

-- CreateIndex
CREATE INDEX "webhook_rejection_workspace_id_source_key_received_at_idx" ON "webhook_rejection"("workspace_id", "source_key", "received_at");
