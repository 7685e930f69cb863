// The one thing the outbox and the inbox need from a service's generated Prisma client (or from its
// transaction client): raw SQL with bind parameters ($1, $2, …; values are never spliced into the
// text). Raw SQL on the "OutboxMessage" / "InboxMessage" tables lets one implementation serve every
// service's client, and `PrismaHandle` (common/service/subgraph-module.ts) already satisfies it.

export interface RawSqlClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
}
