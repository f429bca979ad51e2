-- The rate limiter's key is opaque now (a workspace, an outbound endpoint): rename the column, keeping the rows.
ALTER TABLE "rate_limit_slot" RENAME COLUMN "workspace_id" TO "key";
