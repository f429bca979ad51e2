-- CreateTable
CREATE TABLE "webhook_source_stats_delta" (
    "workspace_id" TEXT NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "source_key" TEXT NOT NULL,
    "accepted" INTEGER NOT NULL DEFAULT 0,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "last_received_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_source_stats_delta_pkey" PRIMARY KEY ("workspace_id","id")
);
