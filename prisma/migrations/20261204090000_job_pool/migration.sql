-- Runner pools (src/jobs/catalog.ts `JobPool`): each runner claims only its pool's jobs, and walks only
-- their keys. Outbound delivery attempts have slots of their own, so a hanging receiver never holds the
-- workers every other job needs.
ALTER TABLE "job" ADD COLUMN "pool" TEXT NOT NULL DEFAULT 'default';

-- Existing delivery attempts belong to the outbound pool (delivery.jobs.ts): those that can run again
-- (queued, running, or dead and redriven later). A delivered attempt's job is deleted by its settlement.
UPDATE "job" SET "pool" = 'outbound' WHERE "name" = 'delivery.attempt' AND "status" <> 'succeeded';

-- The claim's loose index scan walks one pool's (bucket, lane, fairness key) triples: the pool leads.
-- Prisma cannot describe an expression or partial index; `migrate diff` leaves it alone (db:check passes).
DROP INDEX "job_claim_idx";
CREATE INDEX "job_claim_idx" ON "job" (
    "pool",
    date_bin('5 minutes'::interval, "run_at", '2000-01-01 00:00:00+00'::timestamptz),
    "lane",
    "fair_key",
    "run_at"
) WHERE "status" = 'queued';
