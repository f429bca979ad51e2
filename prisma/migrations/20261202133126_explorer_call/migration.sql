-- CreateTable
CREATE TABLE "explorer_call" (
    "workspace_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "actor_kind" TEXT NOT NULL,
    "actor_id" TEXT,
    "actor_name" TEXT,
    "operation_id" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "input" JSONB NOT NULL,
    "outcome" TEXT NOT NULL,
    "status" INTEGER,
    "latency_ms" INTEGER NOT NULL,
    "waited_ms" INTEGER NOT NULL,
    "request" JSONB,
    "result" JSONB NOT NULL,

    CONSTRAINT "explorer_call_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "explorer_call_workspace_id_id_idx" ON "explorer_call"("workspace_id", "id" DESC);

-- CreateIndex
CREATE INDEX "explorer_call_created_at_idx" ON "explorer_call"("created_at");
