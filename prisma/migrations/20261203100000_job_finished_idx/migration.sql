-- The prune (src/jobs/queue.ts, pruneFinished) finds old finished jobs; nothing else reads jobs by status
-- and run_at. The plain index on (status, run_at) held an entry for every version of every job row: a job's
-- insert, its claim and its end each added one (status is in the key, so no update of a job is HOT), and a
-- settlement's planner sometimes walked its running entries instead of the primary key (auto_explain over
-- bench:flows: 4 496 entries read for 46 jobs). Only finished jobs are in this one: one entry per job.
-- Prisma cannot describe a partial index; `migrate diff` leaves it alone (db:check passes).
DROP INDEX IF EXISTS "job_status_run_at_idx";
CREATE INDEX "job_finished_idx" ON "job" ("status", "run_at") WHERE "status" IN ('succeeded', 'failed', 'dead');
