-- DropIndex
DROP INDEX "webhook_event_received_at_idx";
