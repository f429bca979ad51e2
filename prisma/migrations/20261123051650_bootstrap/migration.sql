-- CreateEnum
CREATE TYPE "BootstrapRunStatus" AS ENUM ('queued', 'running', 'completed', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "BootstrapOperationStatus" AS ENUM ('pending', 'running', 'done', 'skipped', 'failed');

-- CreateTable
CREATE TABLE "bootstrap_run" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "status" "BootstrapRunStatus" NOT NULL DEFAULT 'queued',
    "active_workspace_id" TEXT,
    "trigger" TEXT NOT NULL,
    "rate_per_second" INTEGER NOT NULL,
    "page_size" INTEGER NOT NULL,
    "ops_total" INTEGER NOT NULL DEFAULT 0,
    "ops_done" INTEGER NOT NULL DEFAULT 0,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "entities" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "plan" JSONB NOT NULL DEFAULT '{}',
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bootstrap_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bootstrap_operation" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "operation_id" TEXT NOT NULL,
    "params_key" TEXT NOT NULL,
    "path_params" JSONB NOT NULL DEFAULT '{}',
    "query" JSONB NOT NULL DEFAULT '{}',
    "entity_type" TEXT NOT NULL,
    "status" "BootstrapOperationStatus" NOT NULL DEFAULT 'pending',
    "pages_fetched" INTEGER NOT NULL DEFAULT 0,
    "next_page" INTEGER NOT NULL DEFAULT 1,
    "entities" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bootstrap_operation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cached_entity" (
    "workspace_id" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cached_entity_pkey" PRIMARY KEY ("workspace_id","entity_type","entity_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "bootstrap_run_active_workspace_id_key" ON "bootstrap_run"("active_workspace_id");

-- CreateIndex
CREATE INDEX "bootstrap_run_workspace_id_created_at_idx" ON "bootstrap_run"("workspace_id", "created_at");

-- CreateIndex
CREATE INDEX "bootstrap_operation_workspace_id_run_id_idx" ON "bootstrap_operation"("workspace_id", "run_id");

-- CreateIndex
CREATE INDEX "bootstrap_operation_run_id_status_idx" ON "bootstrap_operation"("run_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "bootstrap_operation_run_id_operation_id_params_key_key" ON "bootstrap_operation"("run_id", "operation_id", "params_key");

-- CreateIndex
CREATE INDEX "cached_entity_workspace_id_fetched_at_idx" ON "cached_entity"("workspace_id", "fetched_at");

-- AddForeignKey
ALTER TABLE "bootstrap_operation" ADD CONSTRAINT "bootstrap_operation_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "bootstrap_run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
