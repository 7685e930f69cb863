import { openServiceTestDatabase, type ServiceTestDatabase } from '../../test/support/service-test-database.ts';
import { PrismaClient } from './generated/prisma/client.ts';

export type ShippingTestDatabase = ServiceTestDatabase<PrismaClient>;

/** A migrated shipping database of the test's own (see openServiceTestDatabase). */
export const openShippingTestDatabase = (options: { onQuery?: (sql: string) => void } = {}): Promise<ShippingTestDatabase> =>
  openServiceTestDatabase('shipping', PrismaClient, options);
