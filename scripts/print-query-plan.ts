/**
 * `npm run query-plan -- <file.graphql> [operationName]`: prints the plan the gateway makes for
 * an operation against the committed supergraph: which subgraph is asked for what, in what order.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner, prettyFormatQueryPlan } from '@apollo/query-planner';
import { parse } from 'graphql';
import { buildSupergraph } from '../common/supergraph.ts';
import { servableSupergraph } from '../gateway/authorization/requirements.ts';

export async function planFor(operationText: string, operationName?: string): Promise<string> {
  const root = resolve(import.meta.dirname, '..');
  const supergraph = buildSupergraph(servableSupergraph(await readFile(resolve(root, 'supergraph.graphql'), 'utf8')));
  const planner = new QueryPlanner(supergraph);
  const operation = operationFromDocument(supergraph.apiSchema(), parse(operationText), operationName ? { operationName } : {});
  return prettyFormatQueryPlan(planner.buildQueryPlan(operation));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, operationName] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: npm run query-plan -- <operation.graphql> [operationName]\n');
    process.exit(2);
  }
  process.stdout.write(`${await planFor(await readFile(file, 'utf8'), operationName)}\n`);
}
