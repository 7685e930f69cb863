/** Reads one counter series from a service's Prometheus endpoint; `label` is e.g. `source="request"`. */
export async function readCounter(baseUrl: string, name: string, label?: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((candidate) => (candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `)) && (!label || candidate.includes(label)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** How many SQL statements each named service ran while `action` ran. */
export async function countSqlStatements(services: Record<string, string>, action: () => Promise<unknown>): Promise<Record<string, number>> {
  // Only what requests sent: outbox relays and consumers run beside them.
  const read = () => Promise.all(Object.values(services).map((url) => readCounter(url, 'db_sql_statements_total', 'source="request"')));
  const before = await read();
  await action();
  const after = await read();
  return Object.fromEntries(Object.keys(services).map((name, index) => [name, (after[index] ?? 0) - (before[index] ?? 0)]));
}
