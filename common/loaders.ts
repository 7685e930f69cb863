import DataLoader from 'dataloader';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

/**
 * A per-request DataLoader that fetches a whole batch of ids in one query and answers each key
 * with its row or null. Ids that are not UUIDs cannot exist, so they never reach the database.
 */
export function batchById<TRow>(fetch: (ids: string[]) => Promise<TRow[]>, idOf: (row: TRow) => string): DataLoader<string, TRow | null> {
  return new DataLoader<string, TRow | null>(async (keys) => {
    const ids = keys.filter(isUuid);
    const rows = ids.length > 0 ? await fetch(ids) : [];
    const byId = new Map(rows.map((row) => [idOf(row).toLowerCase(), row]));
    return keys.map((key) => byId.get(key.toLowerCase()) ?? null);
  });
}

/** A per-request DataLoader answering each key with all rows that belong to it (one query per batch). */
export function batchGroupedBy<TRow>(fetch: (keys: string[]) => Promise<TRow[]>, keyOf: (row: TRow) => string): DataLoader<string, TRow[]> {
  return new DataLoader<string, TRow[]>(async (keys) => {
    const valid = keys.filter(isUuid);
    const rows = valid.length > 0 ? await fetch(valid) : [];
    const groups = new Map<string, TRow[]>();
    for (const row of rows) {
      const key = keyOf(row).toLowerCase();
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    return keys.map((key) => groups.get(key.toLowerCase()) ?? []);
  });
}
