/**
 * `tsx bench/federation-audit/plan.ts <supergraph.graphql> '<operation>'`: the plan
 * @apollo/query-planner makes for an audit case (the supergraph is the suite's, from
 * http://localhost:4200/<suite>/supergraph while the audit runs).
 */
import { readFile } from 'node:fs/promises';
import { operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner, prettyFormatQueryPlan } from '@apollo/query-planner';
import { parse } from 'graphql';
import { buildSupergraph } from '../../common/supergraph.ts';

const [file, operation] = process.argv.slice(2);
if (!file || !operation) {
  process.stderr.write("usage: tsx bench/federation-audit/plan.ts <supergraph.graphql> '<operation>'\n");
  process.exit(2);
}
const supergraph = buildSupergraph(await readFile(file, 'utf8'));
const plan = new QueryPlanner(supergraph).buildQueryPlan(operationFromDocument(supergraph.apiSchema(), parse(operation)));
process.stdout.write(`${prettyFormatQueryPlan(plan)}\n`);
