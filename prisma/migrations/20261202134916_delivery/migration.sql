-- CreateTable
CREATE TABLE "webhook_endpoint" (
    "workspace_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "event_types" TEXT[],
    "sources" TEXT[],
    "filter" JSONB,
    "transformation" JSONB,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "timeout_ms" INTEGER NOT NULL,
    "rate_limit" INTEGER,
    "concurrency" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'enabled',
    "disabled_reason" TEXT,
    "failing_since" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_endpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_endpoint_secret" (
    "workspace_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "endpoint_id" TEXT NOT NULL,
    "secret_encrypted" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_endpoint_secret_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_message" (
    "workspace_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "endpoint_id" TEXT NOT NULL,
    "unique_key" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "job_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_attempt" (
    "workspace_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "endpoint_id" TEXT NOT NULL,
    "attempted_at" TIMESTAMPTZ(3) NOT NULL,
    "status" INTEGER,
    "latency_ms" INTEGER NOT NULL,
    "response_headers" JSONB,
    "response_body" TEXT,
    "error_class" TEXT,
    "error" TEXT,
    "address" TEXT,
    "trigger" TEXT NOT NULL DEFAULT 'scheduled',

    CONSTRAINT "webhook_attempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhook_endpoint_workspace_id_created_at_idx" ON "webhook_endpoint"("workspace_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_endpoint_secret_endpoint_id_created_at_idx" ON "webhook_endpoint_secret"("endpoint_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_message_workspace_id_endpoint_id_created_at_idx" ON "webhook_message"("workspace_id", "endpoint_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_message_endpoint_id_status_created_at_idx" ON "webhook_message"("endpoint_id", "status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_message_endpoint_id_unique_key_key" ON "webhook_message"("endpoint_id", "unique_key");

-- CreateIndex
CREATE INDEX "webhook_attempt_message_id_attempted_at_idx" ON "webhook_attempt"("message_id", "attempted_at");

-- CreateIndex
CREATE INDEX "webhook_attempt_endpoint_id_attempted_at_idx" ON "webhook_attempt"("endpoint_id", "attempted_at");

-- CreateIndex
CREATE INDEX "webhook_attempt_workspace_id_attempted_at_idx" ON "webhook_attempt"("workspace_id", "attempted_at");

-- AddForeignKey
ALTER TABLE "webhook_endpoint_secret" ADD CONSTRAINT "webhook_endpoint_secret_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_message" ADD CONSTRAINT "webhook_message_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_attempt" ADD CONSTRAINT "webhook_attempt_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "webhook_message"("id") ON DELETE CASCADE ON UPDATE CASCADE;
