/**
 * `npm run schema:publish`: composes supergraph.yaml, runs the schema checks against what the
 * gateways serve now (the supergraph published last; the committed supergraph.graphql before the
 * first publish) and, only if they pass, publishes the new supergraph to every gateway replica: it
 * writes the Redis key the gateways follow (SUPERGRAPH_REDIS_KEY) and announces it on
 * `<key>:updated`. Each gateway loads it, warms its plans and switches (see docs/operations.md,
 * "Supergraph hot reload"). Before that, it plans the clients' trusted documents against the new
 * supergraph and writes the plans to the shared plans (`<PLAN_CACHE_KEY_PREFIX>:<supergraph id>`,
 * unless PLAN_CACHE_REDIS=false), so every gateway finds them made ("Shared query plans").
 * A supergraph that fails a check is not published (exit 1).
 *
 *   REDIS_URL=redis://… npm run schema:publish [-- --config <supergraph.yaml>]
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { servableSupergraph } from '../gateway/authorization/requirements.ts';
import { planAhead } from '../gateway/executor/native-gateway.ts';
import { PLAN_TTL_SECONDS, planHashKey } from '../gateway/plan-store/shared-plans.ts';
import { operationKeyOf } from '../gateway/executor/plan-serialization.ts';
import { readManifests, trustedDocumentsById } from '../gateway/trusted-documents/manifests.ts';
import { defaultManifestSources } from './schema/trusted-documents.ts';
import { readCommittedSupergraph } from './schema/api-schema.ts';
import { formatSchemaCheck, runSchemaCheck } from './schema/check.ts';
import { composeSupergraph, formatIssue } from './schema/compose.ts';
import { readSupergraphConfig } from './schema/supergraph-config.ts';
import { DEFAULT_SUPERGRAPH_KEY } from './script-variables.ts';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { config: { type: 'string', default: resolve(root, 'supergraph.yaml') } } });
const configPath = resolve(values.config);
const redisUrl = process.env['REDIS_URL'];
const key = process.env['SUPERGRAPH_REDIS_KEY'] || DEFAULT_SUPERGRAPH_KEY;
const planPrefix = process.env['PLAN_CACHE_KEY_PREFIX'] || 'plans';
const sharePlans = !['false', '0'].includes(process.env['PLAN_CACHE_REDIS'] ?? '');
if (!redisUrl || !/^rediss?:\/\//.test(redisUrl)) {
  process.stderr.write('schema:publish: REDIS_URL must be a redis:// URL (where the gateways follow SUPERGRAPH_REDIS_KEY)\n');
  process.exit(2);
}

const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
try {
  const published = await redis.get(key);
  const baseline = published ? { sdl: published, source: `the supergraph published at ${key}` } : await readCommittedSupergraph(root);
  const report = await runSchemaCheck({ root, configPath, baseline, checkSdk: false });
  // Publishing runs ahead of committing: the committed file being older is not a reason to refuse.
  const failures = report.failures.filter((failure) => !failure.startsWith('supergraph.graphql is not what'));
  const { subgraphs } = await readSupergraphConfig(configPath);
  const composition = composeSupergraph(subgraphs);
  if (failures.length > 0 || !composition.ok) {
    process.stderr.write(`${formatSchemaCheck({ ...report, failures, ok: false })}\n`);
    if (!composition.ok) for (const issue of composition.issues) process.stderr.write(`${formatIssue(issue)}\n`);
    process.stderr.write(`schema:publish: not published; ${key} is unchanged.\n`);
    process.exitCode = 1;
  } else if (composition.supergraphSdl === published) {
    process.stdout.write(`schema:publish: ${key} already holds this supergraph.\n`);
  } else {
    const id = createHash('sha256').update(composition.supergraphSdl).digest('hex');
    const planned = sharePlans ? await publishPlans(composition.supergraphSdl) : 0;
    await redis.set(key, composition.supergraphSdl);
    const gateways = await redis.publish(`${key}:updated`, id);
    process.stdout.write(
      `schema:publish: published ${id.slice(0, 12)} to ${key} (compared with ${baseline.source}) with ${planned} query plan(s); ${gateways} gateway(s) listening.\n`,
    );
  }
} finally {
  redis.disconnect();
}

/**
 * The trusted documents' plans for the new supergraph, written before it is announced: a request
 * names its operation or not (a manifest document holds one operation), so each plan goes under both.
 */
async function publishPlans(supergraphSdl: string): Promise<number> {
  const documents = [...trustedDocumentsById(readManifests(defaultManifestSources(root))).values()].filter((document) => document.type !== 'subscription');
  // As the gateway loads it (authorization's specs served), so the plans are keyed by the id it computes.
  const { supergraphId, plans } = planAhead(
    servableSupergraph(supergraphSdl),
    documents.map((document) => ({ query: document.body, operationName: document.name })),
  );
  if (plans.length === 0) return 0;
  const fields: Record<string, string> = {};
  for (const { operationKey, queryHash, plan } of plans) {
    fields[operationKey] = plan;
    fields[operationKeyOf(queryHash, undefined)] = plan;
  }
  const hash = planHashKey(planPrefix, supergraphId);
  await redis.multi().hset(hash, fields).expire(hash, PLAN_TTL_SECONDS).exec();
  return plans.length;
}
