import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import type { GraphQLSchema } from './graphql.ts';
import { ACKNOWLEDGEMENTS_FILE, acknowledges, readAcknowledgements, type Acknowledgement } from './acknowledgements.ts';
import { apiSchemaOf, readCommittedSupergraph, type CommittedSupergraph } from './api-schema.ts';
import { composeSupergraph, formatIssue, type CompositionIssue } from './compose.ts';
import { SDK_OPERATIONS_DIR, findStaleSdkFiles, type StaleFile } from './sdk.ts';
import { checkFederationVersion, readSupergraphConfig } from './supergraph-config.ts';
import { validateOperations, type OperationValidation } from './operations.ts';
import type { OperationLimits } from '../../common/operation-limits.ts';
import { createCostEstimator } from '../../common/cost/cost-estimator.ts';
import type { DemandControlSettings } from '../../gateway/demand-control/settings.ts';
import { loadGatewayConfig } from '../../gateway/config.ts';
import { readManifests } from '../../gateway/trusted-documents/manifests.ts';
import type { ManifestSource } from '../../gateway/trusted-documents/settings.ts';
import { checkTrustedDocuments, defaultManifestSources, type TrustedDocumentsCheck } from './trusted-documents.ts';

export type ChangeLevel = 'breaking' | 'dangerous' | 'safe';

export interface ClassifiedChange {
  readonly level: ChangeLevel;
  /** graphql-inspector's change type, e.g. FIELD_REMOVED. */
  readonly type: string;
  /** The schema coordinate changed, e.g. `Product.sku` or `Query.products.first` (an argument). */
  readonly path?: string;
  readonly message: string;
  /** Why it is breaking or dangerous. */
  readonly why?: string;
  /** For a breaking change: the acknowledgement that lets it pass. */
  readonly acknowledged?: { readonly reason: string };
}

export interface SchemaCheckOptions {
  /** The repository root: supergraph.yaml, supergraph.graphql, sdk/, schema-checks/ are under it. */
  readonly root: string;
  /** The supergraph config to compose (default `<root>/supergraph.yaml`). */
  readonly configPath?: string;
  /** What to compare with; by default `supergraph.graphql` at `baseRef` (HEAD) or on disk. */
  readonly baseline?: CommittedSupergraph;
  /** A git ref to read the committed supergraph.graphql from (default HEAD). */
  readonly baseRef?: string;
  /** Directories of client operations to validate, relative to root (default `sdk/operations`). */
  readonly operationDirs?: readonly string[];
  /** Default `<root>/schema-checks/acknowledged.yaml`. */
  readonly acknowledgementsPath?: string;
  /** Whether to check that the committed SDK is what codegen makes now (default true). */
  readonly checkSdk?: boolean;
  /** The clients' manifests (default: the SDK's and `trusted-documents/<client>.json` under root). */
  readonly manifests?: readonly ManifestSource[];
  /** The gateway's operation limits (default: what the gateway reads from this environment). */
  readonly operationLimits?: OperationLimits;
  /** The gateway's MAX_QUERY_COST and COST_DEFAULT_LIST_SIZE (default: what the gateway reads from this environment). */
  readonly demandControl?: Pick<DemandControlSettings, 'maxCost' | 'defaultListSize'>;
}

export interface SchemaCheckReport {
  readonly ok: boolean;
  /** Why the check failed, one line each (empty when it passed). */
  readonly failures: readonly string[];
  readonly root: string;
  readonly baseline: string;
  readonly subgraphs: readonly string[];
  readonly composition: { readonly ok: boolean; readonly issues: readonly CompositionIssue[] };
  /** Whether supergraph.graphql on disk is what composing supergraph.yaml gives (undefined when composition failed). */
  readonly supergraphUpToDate?: boolean;
  readonly changes: readonly ClassifiedChange[];
  readonly summary: { readonly breaking: number; readonly acknowledged: number; readonly dangerous: number; readonly safe: number };
  readonly operations?: OperationValidation;
  /** Acknowledgements that matched no change (the change is committed, or never happened): remove them. */
  readonly unusedAcknowledgements: readonly Acknowledgement[];
  readonly sdk?: { readonly stale: readonly StaleFile[] };
  /** Every client's shipped operations against the new API schema and the gateway's limits. */
  readonly trustedDocuments?: TrustedDocumentsCheck;
}

const LEVELS: Record<CriticalityLevel, ChangeLevel> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};
const ORDER: Record<ChangeLevel, number> = { breaking: 0, dangerous: 1, safe: 2 };

/** Every change from `before` to `after`, classified, breaking ones matched with their acknowledgement. */
export async function classifyChanges(before: GraphQLSchema, after: GraphQLSchema, acknowledgements: readonly Acknowledgement[] = []): Promise<ClassifiedChange[]> {
  const changes = await diff(before, after);
  return changes
    .map((change): ClassifiedChange => {
      const level = LEVELS[change.criticality.level];
      const base = {
        level,
        type: String(change.type),
        message: change.message,
        ...(change.path ? { path: change.path } : {}),
        ...(level !== 'safe' && change.criticality.reason ? { why: change.criticality.reason } : {}),
      };
      const acknowledgement = level === 'breaking' ? acknowledgements.find((entry) => acknowledges(entry, base)) : undefined;
      return acknowledgement ? { ...base, acknowledged: { reason: acknowledgement.reason } } : base;
    })
    .sort((a, b) => ORDER[a.level] - ORDER[b.level] || (a.path ?? '').localeCompare(b.path ?? '') || a.type.localeCompare(b.type) || a.message.localeCompare(b.message));
}

/**
 * `npm run schema:check`: composes the working tree's supergraph.yaml, compares its API schema with
 * the committed supergraph's, validates the client operations against the new API schema, and
 * checks the committed SDK is current. Never throws for what it finds: the report says it.
 */
export async function runSchemaCheck(options: SchemaCheckOptions): Promise<SchemaCheckReport> {
  const root = resolve(options.root);
  const failures: string[] = [];
  const configPath = options.configPath ?? resolve(root, 'supergraph.yaml');
  const acknowledgementsPath = options.acknowledgementsPath ?? resolve(root, ACKNOWLEDGEMENTS_FILE);
  const ackFile = relative(root, acknowledgementsPath);

  const { federationVersion, subgraphs } = await readSupergraphConfig(configPath);
  const versionProblem = checkFederationVersion(federationVersion);
  if (versionProblem) failures.push(`supergraph.yaml: ${versionProblem}`);
  const composition = composeSupergraph(subgraphs);
  const errors = composition.issues.filter((entry) => entry.severity === 'error').length;
  const hints = composition.issues.length - errors;
  if (errors) failures.push(`composition failed with ${errors} error(s): see "Composition" above`);
  if (hints) failures.push(`composition gave ${hints} hint(s): make the subgraphs agree (see "Composition" above)`);

  const baseline = options.baseline ?? (await readCommittedSupergraph(root, options.baseRef));
  let acknowledgements: Acknowledgement[] = [];
  try {
    acknowledgements = await readAcknowledgements(acknowledgementsPath);
  } catch (error) {
    failures.push((error as Error).message);
  }

  let changes: ClassifiedChange[] = [];
  let supergraphUpToDate: boolean | undefined;
  let operations: OperationValidation | undefined;
  let trustedDocuments: TrustedDocumentsCheck | undefined;
  if (composition.ok) {
    const onDisk = await readFile(resolve(root, 'supergraph.graphql'), 'utf8').catch(() => undefined);
    supergraphUpToDate = onDisk === composition.supergraphSdl;
    if (!supergraphUpToDate) failures.push('supergraph.graphql is not what supergraph.yaml composes to: run npm run schema:compose and commit it');

    const after = apiSchemaOf(composition.supergraphSdl);
    changes = await classifyChanges(apiSchemaOf(baseline.sdl), after, acknowledgements);
    const unacknowledged = changes.filter((change) => change.level === 'breaking' && !change.acknowledged);
    if (unacknowledged.length) {
      failures.push(
        `${unacknowledged.length} breaking change(s) not acknowledged: ${unacknowledged.map((change) => `${change.path ?? change.message} (${change.type})`).join(', ')}; ` +
          `make it backward compatible (deprecate first), or acknowledge it in ${ackFile} with a reason`,
      );
    }

    operations = await validateOperations(after, root, options.operationDirs ?? [SDK_OPERATIONS_DIR]);
    if (operations.errors.length) failures.push(`${operations.errors.length} client operation error(s) against the new API schema: see "Client operations" above`);

    try {
      const manifests = readManifests(options.manifests ?? defaultManifestSources(root));
      const gateway = options.operationLimits && options.demandControl ? undefined : loadGatewayConfig(process.env);
      const demand = options.demandControl ?? gateway!.demandControl;
      trustedDocuments = checkTrustedDocuments(after, manifests, options.operationLimits ?? gateway!.operationLimits, {
        estimator: createCostEstimator(composition.supergraphSdl, { defaultListSize: demand.defaultListSize }, after),
        maxCost: demand.maxCost,
      });
      const named = (entry: { client: string; operation: string }) => `${entry.operation} of client ${entry.client}`;
      const broken = trustedDocuments.operations.filter((entry) => entry.errors.length > 0);
      if (broken.length) failures.push(`the new API schema breaks ${broken.length} shipped operation(s): ${broken.map(named).join(', ')} (see "Trusted documents" above)`);
      const over = trustedDocuments.operations.filter((entry) => entry.breach);
      if (over.length) failures.push(`${over.length} shipped operation(s) would be refused by the gateway's limits: ${over.map(named).join(', ')} (see "Trusted documents" above)`);
    } catch (error) {
      failures.push(`the clients' manifests cannot be read: ${(error as Error).message}`);
    }
  }

  const used = new Set(acknowledgements.filter((entry) => changes.some((change) => change.level === 'breaking' && acknowledges(entry, change))));
  const unusedAcknowledgements = acknowledgements.filter((entry) => !used.has(entry));

  let sdk: SchemaCheckReport['sdk'];
  if (options.checkSdk ?? true) {
    const stale = await findStaleSdkFiles(root);
    sdk = { stale };
    if (stale.length) failures.push(`the committed SDK is stale (${stale.map((file) => file.file).join(', ')}): run npm run codegen and commit it`);
  }

  const count = (level: ChangeLevel) => changes.filter((change) => change.level === level).length;
  return {
    ok: failures.length === 0,
    failures,
    root,
    baseline: baseline.source,
    subgraphs: subgraphs.map((subgraph) => subgraph.name),
    composition: { ok: composition.ok, issues: composition.issues },
    ...(supergraphUpToDate === undefined ? {} : { supergraphUpToDate }),
    changes,
    summary: {
      breaking: count('breaking'),
      acknowledged: changes.filter((change) => change.acknowledged).length,
      dangerous: count('dangerous'),
      safe: count('safe'),
    },
    ...(operations ? { operations } : {}),
    unusedAcknowledgements,
    ...(sdk ? { sdk } : {}),
    ...(trustedDocuments ? { trustedDocuments } : {}),
  };
}

const LABEL: Record<ChangeLevel, string> = { breaking: 'BREAKING ', dangerous: 'DANGEROUS', safe: 'safe     ' };

/** The report as a person reads it in a terminal or a CI log. */
export function formatSchemaCheck(report: SchemaCheckReport): string {
  const lines: string[] = [];
  const rel = (file: string) => relative(report.root, file) || file;
  lines.push(`Schema check: supergraph.yaml (${report.subgraphs.join(', ')}) against ${report.baseline}`, '');

  const errors = report.composition.issues.filter((entry) => entry.severity === 'error').length;
  lines.push(`Composition: ${report.composition.ok && !report.composition.issues.length ? 'ok' : `${errors} error(s), ${report.composition.issues.length - errors} hint(s)`}`);
  for (const entry of report.composition.issues)
    lines.push(
      ...formatIssue(entry, rel)
        .split('\n')
        .map((line) => `  ${line}`),
    );
  if (report.supergraphUpToDate !== undefined) {
    lines.push(`supergraph.graphql: ${report.supergraphUpToDate ? 'up to date' : 'STALE: run npm run schema:compose'}`);
  }
  lines.push('');

  const { summary } = report;
  lines.push(
    `API schema changes: ${report.changes.length} (${summary.breaking} breaking${summary.acknowledged ? `, ${summary.acknowledged} of them acknowledged` : ''}, ${summary.dangerous} dangerous, ${summary.safe} safe)`,
  );
  for (const change of report.changes) {
    const message = change.message.replace(/\s+/g, ' ');
    const shown = change.level === 'safe' && message.length > 110 ? `${message.slice(0, 109)}…` : message;
    lines.push(`  ${LABEL[change.level]}  ${change.type.padEnd(30)} ${(change.path ?? '').padEnd(32)} ${shown}`);
    if (change.level !== 'safe' && change.why) lines.push(`             why: ${change.why}`);
    if (change.level === 'breaking') {
      lines.push(
        change.acknowledged ? `             acknowledged: ${change.acknowledged.reason}` : `             NOT acknowledged (path: ${change.path ?? '-'}, type: ${change.type})`,
      );
    }
  }
  for (const entry of report.unusedAcknowledgements) {
    lines.push(`  note: acknowledgement of ${entry.path ?? entry.message}${entry.type ? ` (${entry.type})` : ''} matches no change: remove it once its change is committed`);
  }
  lines.push('');

  if (report.operations) {
    const { operations } = report;
    lines.push(
      `Client operations: ${operations.operations.length} in ${operations.files.length} file(s), ${operations.errors.length ? `${operations.errors.length} error(s)` : 'all valid'} against the new API schema`,
    );
    for (const problem of operations.errors) lines.push(`  error ${problem.file}${problem.line ? `:${problem.line}:${problem.column ?? 1}` : ''}: ${problem.message}`);
    for (const problem of operations.deprecations) lines.push(`  deprecated ${problem.file}${problem.line ? `:${problem.line}:${problem.column ?? 1}` : ''}: ${problem.message}`);
  } else {
    lines.push('Client operations: not validated (composition failed)');
  }
  if (report.trustedDocuments) {
    const { clients, operations: shipped, maxCost } = report.trustedDocuments;
    const failing = shipped.filter((entry) => entry.errors.length > 0 || entry.breach).length;
    lines.push(
      `Trusted documents: ${shipped.length} operation(s) of ${clients.length} client(s) (${clients.map((entry) => `${entry.client}: ${rel(entry.file)}`).join(', ')}), ${failing ? `${failing} failing` : 'all valid and within the limits'}; cost limit ${maxCost} (estimated from the new supergraph's @cost and @listSize, page-size variables at their maximum)`,
    );
    for (const entry of shipped) {
      const verdict = entry.errors.length ? 'BROKEN' : entry.breach ? 'OVER LIMIT' : 'ok';
      lines.push(`  ${entry.client.padEnd(8)} ${entry.operation.padEnd(22)} ${entry.type.padEnd(12)} cost ${String(entry.cost).padStart(6)}  ${verdict}`);
      for (const error of entry.errors) lines.push(`           error: ${error}`);
      if (entry.breach) lines.push(`           ${entry.breach}`);
    }
  }
  if (report.sdk) {
    lines.push(`Generated SDK: ${report.sdk.stale.length ? 'STALE: run npm run codegen' : 'up to date'}`);
    for (const stale of report.sdk.stale) {
      lines.push(
        stale.problem === 'missing'
          ? `  ${stale.file}: missing`
          : `  ${stale.file}:${stale.line}: committed ${JSON.stringify(stale.actual)}, codegen makes ${JSON.stringify(stale.expected)}`,
      );
    }
  }
  lines.push('');
  if (report.ok) lines.push('PASSED');
  else lines.push('FAILED:', ...report.failures.map((failure) => `  - ${failure}`));
  return lines.join('\n');
}
