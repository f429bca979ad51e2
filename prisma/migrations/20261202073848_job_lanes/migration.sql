-- Job lanes, fairness keys and per-key concurrency caps (docs/jobs.md, docs/adr/0001-postgres-job-queue.md).

-- CreateEnum
CREATE TYPE "JobLane" AS ENUM ('interactive', 'normal', 'retry');

-- AlterTable
ALTER TABLE "job" ADD COLUMN     "concurrency_key" TEXT,
ADD COLUMN     "concurrency_limit" INTEGER,
ADD COLUMN     "fair_key" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "lane" "JobLane" NOT NULL DEFAULT 'normal';

-- Existing jobs: the workspace is the fairness key; a queued job that already ran is a retry.
UPDATE "job" SET "fair_key" = COALESCE("workspace_id", '') WHERE "workspace_id" IS NOT NULL;
UPDATE "job" SET "lane" = 'retry' WHERE "status" = 'queued' AND "attempts" > 0;

-- The claim walks this index one (five-minute bucket of run_at, lane, fairness key) at a time, so a key with a
-- large backlog costs as much as a key with one job, and keys whose jobs are all due later are not visited.
-- Prisma cannot describe an expression or partial index; `migrate diff` leaves it alone (db:check passes).
CREATE INDEX "job_claim_idx" ON "job" (
    date_bin('5 minutes'::interval, "run_at", '2000-01-01 00:00:00+00'::timestamptz),
    "lane",
    "fair_key",
    "run_at"
) WHERE "status" = 'queued';

-- CreateTable
CREATE TABLE "job_concurrency" (
    "key" TEXT NOT NULL,
    "running" INTEGER NOT NULL DEFAULT 0,
    "limit" INTEGER NOT NULL,
    "granted" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_concurrency_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "job_fairness" (
    "key" TEXT NOT NULL,
    "served_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "job_fairness_pkey" PRIMARY KEY ("key")
);
