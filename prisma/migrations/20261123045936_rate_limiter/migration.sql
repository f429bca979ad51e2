-- CreateTable
CREATE TABLE "rate_limit_slot" (
    "workspace_id" TEXT NOT NULL,
    "next_slot_at" TIMESTAMPTZ(6) NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rate_limit_slot_pkey" PRIMARY KEY ("workspace_id")
);
