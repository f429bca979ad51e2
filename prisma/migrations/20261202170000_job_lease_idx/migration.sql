-- Expired leases are found through a partial index of the running jobs only. The plain index on locked_until
-- it replaces held an entry for every version of every job row; between vacuums a busy queue left tens of
-- thousands of dead entries with `locked_until < now()`, which every claim read through a bitmap scan (one that
-- never marks entries dead): 18 of a claim's 25 ms with 100k jobs (bench:deliver). A plain index scan of this
-- index, in lease order and stopped at the claim's limit, marks the dead entries it passes, so it stays short.
DROP INDEX IF EXISTS "job_locked_until_idx";
CREATE INDEX "job_lease_idx" ON "job" ("locked_until") WHERE "status" = 'running';
