-- AlterTable
ALTER TABLE "bootstrap_run" ADD COLUMN     "install_key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "bootstrap_run_workspace_id_install_key_key" ON "bootstrap_run"("workspace_id", "install_key");
