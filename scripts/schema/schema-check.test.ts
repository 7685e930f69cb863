import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runSchemaCheck, formatSchemaCheck, type SchemaCheckOptions } from './check.ts';
import { composeSupergraph } from './compose.ts';
import { generate } from '@graphql-codegen/cli';
import { findStaleSdkFiles } from './sdk.ts';
import { SDK_MANIFEST_FILE, manifestOf, manifestText, type PersistedQueryManifest } from './persisted-documents.ts';
import { parse } from './graphql.ts';
import { readSupergraphConfig } from './supergraph-config.ts';

// Every test works on a scratch copy of what the checks read (supergraph.yaml, the subgraph
// schemas, supergraph.graphql, sdk/, schema-checks/) in a temporary directory: never the real files.

const root = resolve(import.meta.dirname, '../..');
const scratches: string[] = [];
afterAll(() => Promise.all(scratches.map((dir) => rm(dir, { recursive: true, force: true }))));

async function scratchCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'schema-check-'));
  scratches.push(dir);
  const { subgraphs } = await readSupergraphConfig(resolve(root, 'supergraph.yaml'));
  const files = ['supergraph.yaml', 'supergraph.graphql', 'schema-checks/acknowledged.yaml', 'sdk', ...subgraphs.map((subgraph) => relative(root, subgraph.file))];
  await Promise.all(files.map((file) => cp(resolve(root, file), resolve(dir, file), { recursive: true })));
  return dir;
}

async function edit(dir: string, file: string, change: (text: string) => string) {
  const path = resolve(dir, file);
  const before = await readFile(path, 'utf8');
  const after = change(before);
  expect(after, `the edit of ${file} changed nothing`).not.toBe(before);
  await writeFile(path, after);
}

/** What `npm run schema:compose` does in the scratch copy. */
async function compose(dir: string) {
  const result = composeSupergraph((await readSupergraphConfig(resolve(dir, 'supergraph.yaml'))).subgraphs);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  await writeFile(resolve(dir, 'supergraph.graphql'), result.supergraphSdl);
}

/** Edits subgraph schemas as a schema owner would, composes, and checks against the supergraph before the edit. */
async function checkAfter(edits: Record<string, (text: string) => string>, options: Partial<SchemaCheckOptions> = {}) {
  const dir = await scratchCopy();
  const committed = await readFile(resolve(dir, 'supergraph.graphql'), 'utf8');
  for (const [file, change] of Object.entries(edits)) await edit(dir, file, change);
  await compose(dir);
  const report = await runSchemaCheck({ root: dir, baseline: { sdl: committed, source: 'the supergraph before the edit' }, checkSdk: false, ...options });
  return { dir, report, text: formatSchemaCheck(report) };
}

/** The 1-based line of `file` whose text is `text` (trimmed). */
const lineOf = async (file: string, text: string) => (await readFile(file, 'utf8')).split('\n').findIndex((line) => line.trim() === text) + 1;

const CATALOG = 'subgraphs/catalog/schema.graphql';
const INVENTORY = 'subgraphs/inventory/schema.graphql';
const PAYMENTS = 'subgraphs/payments/schema.graphql';

describe('schema check: API schema changes', () => {
  it('reports removing a field as breaking and fails', async () => {
    const { report, text } = await checkAfter({ [PAYMENTS]: (sdl) => sdl.replace(/^\s*updatedAt: DateTime!\n/m, '\n') });
    expect(report.changes).toEqual([expect.objectContaining({ level: 'breaking', type: 'FIELD_REMOVED', path: 'Payment.updatedAt' })]);
    expect(report.ok).toBe(false);
    expect(report.failures.join('\n')).toMatch(/1 breaking change\(s\) not acknowledged: Payment\.updatedAt \(FIELD_REMOVED\)/);
    expect(text).toMatch(/BREAKING\s+FIELD_REMOVED\s+Payment\.updatedAt/);
    expect(text).toMatch(/NOT acknowledged/);
    expect(text).toMatch(/FAILED/);
  });

  it('reports making a nullable argument required as breaking', async () => {
    const { report } = await checkAfter({ [CATALOG]: (sdl) => sdl.replace(/after: String,/, 'after: String!,') });
    expect(report.changes).toEqual([
      expect.objectContaining({ level: 'breaking', type: 'FIELD_ARGUMENT_TYPE_CHANGED', path: 'Query.products.after', message: expect.stringMatching(/'String' to 'String!'/) }),
    ]);
    expect(report.ok).toBe(false);
    // The Products and StorefrontProducts operations pass a nullable $after: they no longer validate either.
    expect(report.operations?.errors).toEqual([
      expect.objectContaining({ file: 'sdk/operations/catalog.graphql', message: expect.stringMatching(/"\$after" of type "String" used in position expecting type "String!"/) }),
      expect.objectContaining({
        file: 'sdk/operations/storefront.graphql',
        message: expect.stringMatching(/"\$after" of type "String" used in position expecting type "String!"/),
      }),
    ]);
  });

  it("reports changing a field's type as breaking", async () => {
    const { report } = await checkAfter({ [INVENTORY]: (sdl) => sdl.replace(/available: Int!/, 'available: String!') });
    expect(report.changes).toEqual([
      expect.objectContaining({ level: 'breaking', type: 'FIELD_TYPE_CHANGED', path: 'Inventory.available', message: expect.stringMatching(/from 'Int!' to 'String!'/) }),
    ]);
    expect(report.ok).toBe(false);
  });

  it('passes adding a field as safe', async () => {
    const { report, text } = await checkAfter({ [CATALOG]: (sdl) => sdl.replace(/(type Category[^{]*\{)/, '$1\n  "What the category holds."\n  description: String') });
    expect(report.changes.map(({ level, type, path }) => ({ level, type, path }))).toEqual([
      { level: 'safe', type: 'FIELD_ADDED', path: 'Category.description' },
      { level: 'safe', type: 'FIELD_DESCRIPTION_ADDED', path: 'Category.description' },
    ]);
    expect(report.summary).toEqual({ breaking: 0, acknowledged: 0, dangerous: 0, safe: 2 });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(text).toMatch(/PASSED/);
  });

  it('fails every operation that selects a removed field, naming the file and line', async () => {
    const { report, text } = await checkAfter({ [CATALOG]: (sdl) => sdl.replace(/^\s*description: String!\n/m, '\n') });
    expect(report.changes).toContainEqual(expect.objectContaining({ level: 'breaking', type: 'FIELD_REMOVED', path: 'Product.description' }));
    // Product (catalog.graphql), CreateProduct and UpdateProduct (admin.graphql), StorefrontProduct (storefront.graphql) select it.
    const linesOf = async (file: string) => (await readFile(resolve(root, file), 'utf8')).split('\n').flatMap((line, index) => (line.trim() === 'description' ? [index + 1] : []));
    const message = 'Cannot query field "description" on type "Product".';
    const expected = [
      ...(await linesOf('sdk/operations/admin.graphql')).map((line) => ({ file: 'sdk/operations/admin.graphql', line, column: 5, message })),
      ...(await linesOf('sdk/operations/catalog.graphql')).map((line) => ({ file: 'sdk/operations/catalog.graphql', line, column: 5, message })),
      ...(await linesOf('sdk/operations/storefront.graphql')).map((line) => ({ file: 'sdk/operations/storefront.graphql', line, column: 5, message })),
    ];
    expect(expected).toHaveLength(4);
    expect(report.operations?.errors).toEqual(expected);
    expect(report.failures.join('\n')).toMatch(/4 client operation error/);
    expect(text).toContain(`error sdk/operations/catalog.graphql:${expected[2]!.line}:5: ${message}`);
  });

  it('validates the subscription operation against the API schema too', async () => {
    const { report } = await checkAfter({
      'subgraphs/orders/schema.graphql': (sdl) => sdl.replace(/orderStatusChanged\(orderId: ID!\): Order!/, 'orderStatusChanged(id: ID!): Order!'),
    });
    expect(report.changes).toContainEqual(expect.objectContaining({ level: 'breaking', path: 'Subscription.orderStatusChanged.orderId' }));
    expect(report.operations?.errors.map((error) => [error.file, error.message])).toEqual(
      expect.arrayContaining([['sdk/operations/orders.graphql', 'Unknown argument "orderId" on field "Subscription.orderStatusChanged".']]),
    );
  });
});

describe('schema check: acknowledgements', () => {
  const removeUpdatedAt = { [PAYMENTS]: (sdl: string) => sdl.replace(/^\s*updatedAt: DateTime!\n/m, '\n') };

  it('passes a breaking change acknowledged with a reason, and shows the reason', async () => {
    const dir = await scratchCopy();
    await writeFile(
      resolve(dir, 'schema-checks/acknowledged.yaml'),
      'acknowledged:\n  - path: Payment.updatedAt\n    type: FIELD_REMOVED\n    reason: No client reads it; the admin app shows createdAt only.\n',
    );
    const { report, text } = await checkAfter(removeUpdatedAt, { acknowledgementsPath: resolve(dir, 'schema-checks/acknowledged.yaml') });
    expect(report.changes).toEqual([
      expect.objectContaining({ level: 'breaking', path: 'Payment.updatedAt', acknowledged: { reason: 'No client reads it; the admin app shows createdAt only.' } }),
    ]);
    expect(report.summary).toMatchObject({ breaking: 1, acknowledged: 1 });
    expect(report.ok).toBe(true);
    expect(text).toContain('acknowledged: No client reads it; the admin app shows createdAt only.');
  });

  it('does not let an acknowledgement of another change or type through, and notes it as unused', async () => {
    const dir = await scratchCopy();
    await writeFile(
      resolve(dir, 'schema-checks/acknowledged.yaml'),
      'acknowledged:\n  - path: Payment.updatedAt\n    type: FIELD_TYPE_CHANGED\n    reason: A different change of the same field.\n',
    );
    const { report, text } = await checkAfter(removeUpdatedAt, { acknowledgementsPath: resolve(dir, 'schema-checks/acknowledged.yaml') });
    expect(report.ok).toBe(false);
    expect(report.unusedAcknowledgements).toEqual([{ path: 'Payment.updatedAt', type: 'FIELD_TYPE_CHANGED', reason: 'A different change of the same field.' }]);
    expect(text).toMatch(/acknowledgement of Payment\.updatedAt \(FIELD_TYPE_CHANGED\) matches no change/);
  });

  it('refuses an acknowledgement without a reason', async () => {
    const dir = await scratchCopy();
    await writeFile(resolve(dir, 'schema-checks/acknowledged.yaml'), 'acknowledged:\n  - path: Payment.updatedAt\n');
    const { report } = await checkAfter(removeUpdatedAt, { acknowledgementsPath: resolve(dir, 'schema-checks/acknowledged.yaml') });
    expect(report.ok).toBe(false);
    expect(report.failures.join('\n')).toMatch(/acknowledged\.yaml is not valid: acknowledged\.0\.reason/);
  });
});

describe('schema check: composition', () => {
  it('reports two subgraphs defining the same non-shareable field as a composition error naming both', async () => {
    const dir = await scratchCopy();
    await edit(dir, INVENTORY, (sdl) => sdl.replace(/(type Product @key\(fields: "id"\)[^{]*\{)/, '$1\n  sku: String!'));
    const skuLine = await lineOf(resolve(dir, INVENTORY), 'sku: String!');
    const report = await runSchemaCheck({ root: dir, checkSdk: false });
    expect(report.ok).toBe(false);
    expect(report.composition.ok).toBe(false);
    expect(report.composition.issues).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'INVALID_FIELD_SHARING',
        coordinate: 'Product.sku',
        subgraphs: ['catalog', 'inventory'],
        locations: [
          expect.objectContaining({ subgraph: 'catalog', file: resolve(dir, CATALOG), coordinate: 'Product.sku' }),
          expect.objectContaining({ subgraph: 'inventory', file: resolve(dir, INVENTORY), line: skuLine, column: 3, coordinate: 'Product.sku' }),
        ],
      }),
    ]);
    const text = formatSchemaCheck(report);
    expect(text).toContain('error [INVALID_FIELD_SHARING] Product.sku (subgraphs: catalog, inventory)');
    expect(text).toContain(`at inventory: ${INVENTORY}:${skuLine}:3 (Product.sku)`);
    expect(text).toMatch(/Client operations: not validated/);
  });

  it('fails when supergraph.yaml pins another federation version than the installed composition', async () => {
    const dir = await scratchCopy();
    await edit(dir, 'supergraph.yaml', (yaml) => yaml.replace(/^federation_version: .*$/m, 'federation_version: =2.9.0'));
    const report = await runSchemaCheck({ root: dir, checkSdk: false });
    expect(report.ok).toBe(false);
    expect(report.failures).toContainEqual(expect.stringMatching(/federation_version =2\.9\.0 does not match the installed @apollo\/composition 2\./));
  });

  it('fails schema:compose on an error or a hint, naming subgraphs and coordinates, and writes nothing', async () => {
    const dir = await scratchCopy();
    const out = resolve(dir, 'composed.graphql');
    const run = () =>
      promisify(execFile)(resolve(root, 'node_modules/.bin/tsx'), [resolve(root, 'scripts/compose-supergraph.ts'), '--config', resolve(dir, 'supergraph.yaml'), '--out', out], {
        cwd: dir,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );

    await edit(dir, INVENTORY, (sdl) => sdl.replace(/(type Product @key\(fields: "id"\)[^{]*\{)/, '$1\n  sku: String!'));
    const skuLine = await lineOf(resolve(dir, INVENTORY), 'sku: String!');
    const error = await run();
    expect(error.code).toBe(1);
    expect(error.stderr).toContain('error [INVALID_FIELD_SHARING] Product.sku (subgraphs: catalog, inventory)');
    expect(error.stderr).toMatch(/at catalog: subgraphs\/catalog\/schema\.graphql:\d+:3 \(Product\.sku\)/);
    expect(error.stderr).toContain(`at inventory: subgraphs/inventory/schema.graphql:${skuLine}:3 (Product.sku)`);

    // A hint: Money.amount nullable in orders only. Composition succeeds, the command fails all the same.
    await cp(resolve(root, INVENTORY), resolve(dir, INVENTORY));
    await edit(dir, 'subgraphs/orders/schema.graphql', (sdl) => sdl.replace(/amount: Int!/, 'amount: Int'));
    const hint = await run();
    expect(hint.code).toBe(1);
    expect(hint.stderr).toContain('hint [INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE] Money.amount');
    expect(hint.stderr).toContain('at orders: subgraphs/orders/schema.graphql:');
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });
});

describe('the generated client SDK', () => {
  it('is committed exactly as codegen makes it now', async () => {
    expect(await findStaleSdkFiles(root), 'the SDK is stale: run npm run codegen').toEqual([]);
  });

  it('is reported stale when an operation changed without codegen', async () => {
    const dir = await scratchCopy();
    expect(await findStaleSdkFiles(dir)).toEqual([]);
    await edit(dir, 'sdk/operations/account.graphql', (text) => text.replace('me { id name email role }', 'me { id name email role createdAt }'));
    expect(await findStaleSdkFiles(dir)).toEqual([
      expect.objectContaining({ file: 'sdk/generated/graphql.ts', problem: 'differs' }),
      expect.objectContaining({ file: SDK_MANIFEST_FILE, problem: 'differs' }),
    ]);
  });

  it('is reported stale when the supergraph changed without codegen, and by schema:check', async () => {
    const { dir, report } = await checkAfter({ [CATALOG]: (sdl) => sdl.replace(/(type Category[^{]*\{)/, '$1\n  description: String') }, { checkSdk: true });
    expect(report.sdk?.stale).toEqual([expect.objectContaining({ file: 'sdk/schema.graphql', problem: 'differs', expected: '  description: String' })]);
    expect(report.ok).toBe(false);
    expect(report.failures.join('\n')).toMatch(/the committed SDK is stale \(sdk\/schema\.graphql\): run npm run codegen/);
    await rm(resolve(dir, 'sdk/generated/graphql.ts'));
    expect(await findStaleSdkFiles(dir)).toContainEqual({ file: 'sdk/generated/graphql.ts', problem: 'missing' });
  });

  it('imports nothing of the server: only graphql, graphql-ws and its own files', async () => {
    const sdk = resolve(root, 'sdk');
    const files = (await readdir(sdk, { recursive: true })).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      const source = await readFile(resolve(sdk, file), 'utf8');
      for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        if (specifier!.startsWith('.')) expect(resolve(dirname(resolve(sdk, file)), specifier!), `${file} imports ${specifier}`).toMatch(new RegExp(`^${sdk}/`));
        else expect(['graphql', 'graphql-ws/client', '@graphql-typed-document-node/core'], `${file} imports ${specifier}`).toContain(specifier);
      }
    }
  });
});

const readManifest = async (dir: string) => JSON.parse(await readFile(resolve(dir, SDK_MANIFEST_FILE), 'utf8')) as PersistedQueryManifest;

describe('trusted documents: the persisted operations manifest', () => {
  it("has the ids and texts @graphql-codegen/client-preset's persistedDocuments makes for the same operations", async () => {
    const outputs = (await generate(
      {
        cwd: root,
        silent: true,
        schema: resolve(root, 'sdk/schema.graphql'),
        documents: resolve(root, 'sdk/operations/**/*.graphql'),
        generates: { [`${resolve(tmpdir(), 'client-preset-check')}/`]: { preset: 'client', presetConfig: { persistedDocuments: { hashAlgorithm: 'sha256' } } } },
      },
      false,
    )) as { filename: string; content: string }[];
    const presetMap = JSON.parse(outputs.find((output) => output.filename.endsWith('persisted-documents.json'))!.content) as Record<string, string>;
    const manifest = await readManifest(root);
    expect(manifest.operations.length).toBe(41);
    expect(Object.fromEntries(manifest.operations.map((entry) => [`sha256:${entry.id}`, entry.body]))).toEqual(presetMap);
  });

  it('is reported stale when edited by hand, and a manifest whose id is not the hash of its text is refused', async () => {
    const dir = await scratchCopy();
    await edit(dir, SDK_MANIFEST_FILE, (text) => text.replace('query Categories { categories { id name slug } }', 'query Categories { categories { id name slug createdAt } }'));
    expect(await findStaleSdkFiles(dir)).toEqual([expect.objectContaining({ file: SDK_MANIFEST_FILE, problem: 'differs' })]);
    const report = await runSchemaCheck({ root: dir, baseline: { sdl: await readFile(resolve(dir, 'supergraph.graphql'), 'utf8'), source: 'the same' }, checkSdk: false });
    expect(report.ok).toBe(false);
    expect(report.failures.join('\n')).toMatch(/manifests cannot be read: .*sdk\/persisted-operations\.json: the id of Categories is not the sha256 of its body/);
  });

  it("fails a schema change that breaks a client's shipped operation, naming the client and the operation", async () => {
    // A second client (a mobile app) ships its own manifest; both read Category.slug.
    const mobile = manifestOf([
      parse('query CategoryLinks { categories { slug } }'),
      parse('query ProductNames($first: Int) { products(first: $first) { edges { node { name } } } }'),
    ]);
    const { report, text } = await checkAfter(
      { [CATALOG]: (sdl) => sdl.replace(/^(\s*)(?:"[^"\n]*"\n\s*)?slug: String!\n/m, '$1"Gone."\n$1oldSlug: String\n') },
      {
        manifests: [
          { client: 'web', file: resolve(root, SDK_MANIFEST_FILE) },
          { client: 'mobile', file: await writeScratchManifest(mobile) },
        ],
      },
    );
    expect(report.changes).toContainEqual(expect.objectContaining({ level: 'breaking', type: 'FIELD_REMOVED', path: 'Category.slug' }));
    const broken = report.trustedDocuments?.operations.filter((entry) => entry.errors.length > 0).map((entry) => `${entry.client}:${entry.operation}`);
    expect(broken).toEqual(expect.arrayContaining(['web:Categories', 'web:Products', 'mobile:CategoryLinks']));
    expect(broken).not.toContain('mobile:ProductNames');
    expect(report.failures.join('\n')).toMatch(/the new API schema breaks \d+ shipped operation\(s\): .*CategoryLinks of client mobile/);
    expect(text).toMatch(/mobile\s+CategoryLinks\s+query\s+cost\s+\d+\s+BROKEN\n\s+error: Cannot query field "slug" on type "Category"/);
  });

  it("reports each shipped operation's cost with the gateway's cost model, and fails one over the gateway's limit", async () => {
    const dir = await scratchCopy();
    const baseline = { sdl: await readFile(resolve(dir, 'supergraph.graphql'), 'utf8'), source: 'the same' };
    const limits = { maxDepth: 12, maxAliases: 30, maxDirectives: 20, maxTokens: 3000, maxPageSize: 100 };
    const passing = await runSchemaCheck({ root: dir, baseline, checkSdk: false, operationLimits: limits, demandControl: { maxCost: 5_000, defaultListSize: 10 } });
    expect(passing.ok).toBe(true);
    // Products: the connection 1 + 100 edges (its page size at the gateway's maximum, sized by
    // @listSize) × (edge 1 + product 1 + …) + totalCount's @cost 5, from the supergraph's directives.
    expect(passing.trustedDocuments?.operations.find((entry) => entry.operation === 'Products')).toMatchObject({ client: 'web', cost: 507, errors: [] });
    const failing = await runSchemaCheck({ root: dir, baseline, checkSdk: false, operationLimits: limits, demandControl: { maxCost: 2000, defaultListSize: 10 } });
    expect(failing.ok).toBe(false);
    expect(failing.trustedDocuments?.operations.filter((entry) => entry.breach).map((entry) => [entry.operation, entry.breach])).toEqual([
      ['AccountOrders', 'COST_ESTIMATED_TOO_EXPENSIVE: The operation is estimated to cost 2508, more than the limit of 2000.'],
    ]);
    expect(failing.failures.join('\n')).toMatch(/1 shipped operation\(s\) would be refused by the gateway's limits: AccountOrders of client web/);
  });

  it('fails when a schema change, not a document, pushes a shipped operation over the cost limit (a raised assumedSize)', async () => {
    const options = {
      operationLimits: { maxDepth: 12, maxAliases: 30, maxDirectives: 20, maxTokens: 3000, maxPageSize: 100 },
      demandControl: { maxCost: 5_000, defaultListSize: 10 },
    };
    const { report, text } = await checkAfter(
      { [CATALOG]: (sdl) => sdl.replace('categories: [Category!]! @listSize(assumedSize: 50)', 'categories: [Category!]! @listSize(assumedSize: 5000)') },
      options,
    );
    // No change to the API schema: only what the list is declared to hold.
    expect(report.changes).toEqual([]);
    expect(report.ok).toBe(false);
    const over = report.trustedDocuments?.operations.filter((entry) => entry.breach) ?? [];
    expect(over.map((entry) => entry.operation)).toContain('CategoryTree');
    expect(over.every((entry) => entry.breach?.startsWith('COST_ESTIMATED_TOO_EXPENSIVE'))).toBe(true);
    expect(text).toMatch(/CategoryTree\s+query\s+cost\s+\d+\s+OVER LIMIT/);
    expect(report.failures.join('\n')).toMatch(/shipped operation\(s\) would be refused by the gateway's limits: .*CategoryTree of client web/);
  });
});

async function writeScratchManifest(manifest: PersistedQueryManifest): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'manifest-'));
  scratches.push(dir);
  const file = resolve(dir, 'mobile.json');
  await writeFile(file, manifestText(manifest));
  return file;
}
