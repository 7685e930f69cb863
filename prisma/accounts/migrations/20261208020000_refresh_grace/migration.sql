-- Rotation grace: the successor of a used refresh token, sealed with a key only the holder of that
-- token can derive, so that presenting it again within a few seconds returns the same successor.
ALTER TABLE "RefreshToken" ADD COLUMN "successorSealed" TEXT;
