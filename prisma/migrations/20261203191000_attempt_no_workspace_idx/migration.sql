-- Every attempt paid for an entry in (workspace_id, attempted_at), which only the hourly retention prune read.
-- The prune now finds a workspace's attempts through its endpoints' (endpoint_id, attempted_at) index.
DROP INDEX IF EXISTS "webhook_attempt_workspace_id_attempted_at_idx";
