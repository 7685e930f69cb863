import { openServiceTestDatabase, type ServiceTestDatabase } from '../../test/support/service-test-database.ts';
import { PrismaClient } from './generated/prisma/client.ts';

export type NotificationsTestDatabase = ServiceTestDatabase<PrismaClient>;

/** A migrated notifications database of the test's own (see openServiceTestDatabase). */
export const openNotificationsTestDatabase = (options: { onQuery?: (sql: string) => void } = {}): Promise<NotificationsTestDatabase> =>
  openServiceTestDatabase('notifications', PrismaClient, options);
