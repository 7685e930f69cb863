/** Reads one counter from a service's Prometheus endpoint. */
export async function readCounter(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** How many SQL statements each named service ran while `action` ran. */
export async function countSqlStatements(services: Record<string, string>, action: () => Promise<unknown>): Promise<Record<string, number>> {
  const read = () => Promise.all(Object.values(services).map((url) => readCounter(url, 'db_sql_statements_total')));
  const before = await read();
  await action();
  const after = await read();
  return Object.fromEntries(Object.keys(services).map((name, index) => [name, (after[index] ?? 0) - (before[index] ?? 0)]));
}
