-- A message is updated twice on its way (its job's claim, its settlement). Its status was in the key of
-- (endpoint_id, status, created_at), so every update wrote a new entry in each of the table's four indexes.
-- Listings by status and the endpoint stats walk (workspace_id, endpoint_id, created_at) instead.
-- DropIndex
DROP INDEX "webhook_message_endpoint_id_status_created_at_idx";

-- Room on every page for those updates to stay on the page (HOT): no indexed column changes, so no index
-- entry is written. Prisma cannot describe a table's storage parameters; `migrate diff` leaves them alone
-- (db:check passes).
ALTER TABLE "webhook_message" SET (fillfactor = 60);
