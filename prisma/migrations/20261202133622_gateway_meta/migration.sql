-- CreateTable
CREATE TABLE "gateway_meta" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gateway_meta_pkey" PRIMARY KEY ("key")
);
