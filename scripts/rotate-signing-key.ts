/**
 * `npm run keys:rotate`: a new token signing key for accounts (DATABASE_URL_ACCOUNTS). Tokens
 * signed with the old key stay valid until they expire; every accounts replica signs with the
 * new one within JWT_KEY_REFRESH_SECONDS, and gateways fetch it on the first token naming it.
 */
import { createPrismaClient } from '../common/database/prisma-client.ts';
import { PrismaClient } from '../subgraphs/accounts/generated/prisma/client.ts';
import { rotateSigningKey } from '../subgraphs/accounts/domain/signing-keys.ts';

const url = process.env['DATABASE_URL_ACCOUNTS'];
if (!url) {
  process.stderr.write('DATABASE_URL_ACCOUNTS: required (the accounts database whose key to rotate)\n');
  process.exit(78);
}
const prisma = createPrismaClient(PrismaClient, { connectionString: url });
try {
  process.stdout.write(`new signing key: ${await rotateSigningKey(prisma)}\n`);
} finally {
  await prisma.$disconnect();
}
