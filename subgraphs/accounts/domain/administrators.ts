// The first administrator of a shop that starts from an empty database (`npm run admin:create`):
// sign-up makes customers only, so an administrator is made here, with sign-up's own rules and hashing.
import { Prisma, type PrismaClient, type User } from '../generated/prisma/client.ts';
import { hashPassword } from './passwords.ts';

export type AdministratorOutcome =
  /** A new account, with the password given. */
  | 'created'
  /** An existing customer account, now ADMIN; its password is unchanged. */
  | 'promoted'
  /** Already an administrator: nothing changed. */
  | 'unchanged';

export interface EnsuredAdministrator {
  readonly outcome: AdministratorOutcome;
  readonly user: Pick<User, 'id' | 'email' | 'name' | 'role'>;
}

export interface AdministratorInput {
  /** Normalised (normalizeEmail), as sign-up stores it. */
  readonly email: string;
  /** Checked (checkName): used only for a new account. */
  readonly name: string;
  /** Asked for only when the account has to be created; already checked against sign-up's rules. */
  readonly password: () => Promise<string>;
  readonly scryptCost: number;
}

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

async function promote(prisma: PrismaClient, email: string): Promise<EnsuredAdministrator | null> {
  const existing = await prisma.user.findUnique({ where: { email } });
  if (!existing) return null;
  if (existing.role === 'ADMIN') return { outcome: 'unchanged', user: existing };
  const promoted = await prisma.user.update({ where: { email }, data: { role: 'ADMIN' } });
  return { outcome: 'promoted', user: promoted };
}

/**
 * Makes `email` an administrator: creates the account, or promotes the one that exists. Idempotent:
 * running it again changes nothing and says so. Two runs at once end with one account.
 */
export async function ensureAdministrator(prisma: PrismaClient, input: AdministratorInput): Promise<EnsuredAdministrator> {
  const existing = await promote(prisma, input.email);
  if (existing) return existing;
  const passwordHash = await hashPassword(await input.password(), input.scryptCost);
  try {
    const user = await prisma.user.create({ data: { email: input.email, name: input.name, role: 'ADMIN', passwordHash } });
    return { outcome: 'created', user };
  } catch (error) {
    // Signed up (or created by another run) since the lookup: that account is the one to promote.
    if (isUniqueViolation(error)) {
      const raced = await promote(prisma, input.email);
      if (raced) return raced;
    }
    throw error;
  }
}
