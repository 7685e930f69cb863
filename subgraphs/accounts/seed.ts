import type { Logger } from '../../common/logger.ts';
import { demoUsers } from '../../prisma/seed-data.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { hashPassword } from './domain/passwords.ts';

/** The documented demo admin and customer, created once. */
export async function seedAccounts(prisma: PrismaClient, log: Logger): Promise<void> {
  let created = 0;
  for (const user of demoUsers) {
    if (await prisma.user.findUnique({ where: { email: user.email } })) continue;
    const passwordHash = await hashPassword(user.password);
    await prisma.user.create({ data: { email: user.email, name: user.name, role: user.role, passwordHash } });
    created += 1;
  }
  if (created > 0) log.info({ created }, 'seeded demo users');
}
