import { openServiceTestDatabase, type ServiceTestDatabase } from '../../test/support/service-test-database.ts';
import { PrismaClient } from './generated/prisma/client.ts';

export type PaymentsTestDatabase = ServiceTestDatabase<PrismaClient>;

/** A migrated payments database of the test's own (see openServiceTestDatabase). */
export const openPaymentsTestDatabase = (options: { onQuery?: (sql: string) => void } = {}): Promise<PaymentsTestDatabase> =>
  openServiceTestDatabase('payments', PrismaClient, options);
