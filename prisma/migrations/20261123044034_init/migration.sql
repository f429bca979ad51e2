-- CreateEnum
CREATE TYPE "InstallationStatus" AS ENUM ('ACTIVE', 'INACTIVE', 'DELETED');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'dead');

-- CreateTable
CREATE TABLE "installation" (
    "workspace_id" TEXT NOT NULL,
    "addon_id" TEXT NOT NULL,
    "status" "InstallationStatus" NOT NULL DEFAULT 'ACTIVE',
    "token_encrypted" TEXT,
    "api_url" TEXT NOT NULL,
    "api_urls" JSONB NOT NULL DEFAULT '{}',
    "installed_by_user_id" TEXT,
    "addon_user_id" TEXT,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "installed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status_changed_at" TIMESTAMPTZ(3),
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "installation_pkey" PRIMARY KEY ("workspace_id")
);

-- CreateTable
CREATE TABLE "clockify_webhook_token" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "event" TEXT,
    "token_hash" TEXT NOT NULL,
    "clockify_webhook_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "clockify_webhook_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "admin_api_key" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "can_write" BOOLEAN NOT NULL DEFAULT true,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "admin_api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT,
    "name" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'queued',
    "run_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL,
    "lease_seconds" INTEGER NOT NULL,
    "locked_by" TEXT,
    "locked_until" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "dedupe_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "job_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "installation_status_idx" ON "installation"("status");

-- CreateIndex
CREATE INDEX "clockify_webhook_token_token_hash_idx" ON "clockify_webhook_token"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "clockify_webhook_token_workspace_id_path_key" ON "clockify_webhook_token"("workspace_id", "path");

-- CreateIndex
CREATE UNIQUE INDEX "admin_api_key_key_hash_key" ON "admin_api_key"("key_hash");

-- CreateIndex
CREATE INDEX "admin_api_key_workspace_id_created_at_idx" ON "admin_api_key"("workspace_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "job_dedupe_key_key" ON "job"("dedupe_key");

-- CreateIndex
CREATE INDEX "job_status_run_at_idx" ON "job"("status", "run_at");

-- CreateIndex
CREATE INDEX "job_workspace_id_created_at_idx" ON "job"("workspace_id", "created_at");

-- CreateIndex
CREATE INDEX "job_locked_until_idx" ON "job"("locked_until");

-- AddForeignKey
ALTER TABLE "clockify_webhook_token" ADD CONSTRAINT "clockify_webhook_token_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "installation"("workspace_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "admin_api_key" ADD CONSTRAINT "admin_api_key_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "installation"("workspace_id") ON DELETE CASCADE ON UPDATE CASCADE;
