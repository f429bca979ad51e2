-- The workspace's jobs (the purge of an uninstalled workspace) are found through an index of the jobs that
-- are not running. The plain index on (workspace_id, created_at) it replaces took a new entry at every claim
-- (queued → running is a new row version that no index can skip: status is in the partial indexes'
-- predicates). This one takes none there, since a running job is outside it; the purge never deletes a
-- running job anyway, and how many of a workspace's jobs run is read through job_lease_idx.
DROP INDEX IF EXISTS "job_workspace_id_created_at_idx";
CREATE INDEX "job_workspace_idx" ON "job" ("workspace_id", "created_at") WHERE "status" <> 'running';
