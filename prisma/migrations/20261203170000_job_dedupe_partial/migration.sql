-- Most jobs have no dedupe key (event.process, flow.execute, delivery.attempt), yet the unique index held
-- an entry for each of them, written again by every update of the row (a job's status is in the partial
-- indexes' predicates, so no update of a job is HOT): on insert, on its claim, on its end. Only keyed jobs
-- need the index. `ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL` infers it (src/jobs). Prisma
-- cannot describe a partial index; `migrate diff` leaves it alone (db:check passes).
DROP INDEX IF EXISTS "job_dedupe_key_key";
CREATE UNIQUE INDEX "job_dedupe_key_key" ON "job" ("dedupe_key") WHERE "dedupe_key" IS NOT NULL;
