-- CreateIndex
CREATE INDEX "InboxMessage_processedAt_idx" ON "InboxMessage"("processedAt");
