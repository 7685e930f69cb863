import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GATEWAY_PORT, SERVICE_PORTS, SUBGRAPHS, type SubgraphEntry } from '../common/service/subgraph-registry.ts';
import { subgraphFiles } from '../scripts/subgraph-files.ts';
import { subgraphModules } from '../subgraphs/index.ts';

// The registry (common/service/subgraph-registry.ts) is the one list of subgraphs: every file that
// lists them is written from it by `npm run subgraphs:generate`, and this file fails naming the file
// and the subgraph when one no longer matches.
const root = resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');
const folders = (dir: string) =>
  readdirSync(resolve(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
const names = SUBGRAPHS.map((subgraph) => subgraph.name);

// The folder contract inside a subgraph (docs/adding-a-subgraph.md): the module's own files at the
// top, beside its tests; entry points in resolvers/ and handlers/ (messages); the domain in
// domain/; data access (loaders, stores) in data/; generated/ is written by the generators.
const TOP_FILES = new Set(['service.ts', 'main.ts', 'config.ts', 'context.ts', 'permissions.ts', 'codegen.ts', 'seed.ts', 'workers.ts']);
const FOLDERS = new Set(['resolvers', 'handlers', 'domain', 'data', 'generated']);
const isTestFile = (file: string) => file.endsWith('.test.ts') || file.endsWith('-test-database.ts');
/** The .ts files (paths relative to the subgraph's folder) that sit outside the places the contract allows. */
const misplacedSubgraphFiles = (files: readonly string[]): string[] =>
  files.filter((file) => {
    if (!file.endsWith('.ts')) return false;
    const [first, ...rest] = file.split('/');
    return rest.length === 0 ? !TOP_FILES.has(first!) && !isTestFile(first!) : !FOLDERS.has(first!);
  });
const filesIn = (dir: string) =>
  readdirSync(resolve(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(resolve(root, dir), resolve(entry.parentPath, entry.name)).split(sep).join('/'));

describe('the subgraph registry', () => {
  it.each(subgraphFiles().map(({ file, content }) => ({ file, content })))('$file is what the registry says (npm run subgraphs:generate)', ({ file, content }) => {
    expect(existsSync(resolve(root, file)), `${file} is missing: run npm run subgraphs:generate`).toBe(true);
    expect(read(file), `${file} is stale: run npm run subgraphs:generate`).toBe(content);
  });

  it('lists every subgraph folder and every Prisma schema, and nothing else', () => {
    expect(folders('subgraphs'), 'subgraphs/<name>/ without a registry line, or a line without its folder').toEqual([...names].sort());
    expect(folders('prisma'), 'prisma/<name>/ without a registry line, or a line without its schema').toEqual([...names].sort());
    for (const name of names) {
      for (const file of [`subgraphs/${name}/service.ts`, `subgraphs/${name}/schema.graphql`, `prisma/${name}/schema.prisma`]) {
        expect(existsSync(resolve(root, file)), `${name}: ${file}`).toBe(true);
      }
    }
  });

  it.each(names)('keeps the .ts files of %s where the folder contract puts them', (name) => {
    const misplaced = misplacedSubgraphFiles(filesIn(`subgraphs/${name}`)).map((file) => `subgraphs/${name}/${file}`);
    expect(misplaced, `outside the top-level module files, resolvers/, handlers/, domain/ and data/ (docs/adding-a-subgraph.md): ${misplaced.join(', ')}`).toEqual([]);
  });

  it('names a .ts file outside the folder contract, and only that one', () => {
    const files = [
      'service.ts',
      'schema.graphql',
      'orders.test.ts',
      'payments-test-database.ts',
      'resolvers/index.ts',
      'handlers/replies.ts',
      'domain/saga/transitions.ts',
      'data/loaders.ts',
      'generated/prisma/client.ts',
    ];
    expect(misplacedSubgraphFiles(files)).toEqual([]);
    expect(misplacedSubgraphFiles([...files, 'pricing.ts', 'commands/payment-commands.ts', 'data.ts'])).toEqual(['pricing.ts', 'commands/payment-commands.ts', 'data.ts']);
  });

  it('runs each module under its registry name, in the registry order', () => {
    expect(subgraphModules.map((module) => module.name)).toEqual(names);
  });

  it('gives every service a port of its own', () => {
    const ports = [GATEWAY_PORT, ...SUBGRAPHS.map((subgraph) => subgraph.port)];
    expect(new Set(ports).size, `ports ${ports.join(', ')}`).toBe(ports.length);
    for (const { name, port } of SUBGRAPHS) expect(SERVICE_PORTS[name], name).toBe(port);
  });

  it('adds a subgraph everywhere from one more line', () => {
    const reviews: SubgraphEntry = { name: 'reviews', port: 4009 };
    const files = new Map(subgraphFiles([...SUBGRAPHS, reviews]).map(({ file, content }) => [file, content]));
    const supergraph = parse(files.get('supergraph.yaml')!) as { subgraphs: Record<string, { routing_url: string; schema: { file: string } }> };
    expect(supergraph.subgraphs['reviews']).toEqual({ routing_url: 'http://localhost:4009/graphql', schema: { file: './subgraphs/reviews/schema.graphql' } });
    expect(files.get('subgraphs/index.ts')).toContain("import { reviews } from './reviews/service.ts';");
    expect(files.get('subgraphs/reviews/main.ts')).toContain('await runServiceMain(reviews);');
    expect(files.get('deploy/postgres/create-databases.sql')).toContain('CREATE DATABASE reviews;');
    expect(files.get('deploy/k8s/reviews.yaml')).toContain('dist/subgraphs/reviews/main.js');
    expect((parse(files.get('deploy/k8s/kustomization.yaml')!) as { resources: string[] }).resources).toContain('reviews.yaml');
    expect(Object.keys((parse(files.get('deploy/k8s/secret.example.yaml')!) as { stringData: object }).stringData)).toEqual(
      expect.arrayContaining(['DATABASE_URL_REVIEWS', 'SUBGRAPH_SECRET_REVIEWS']),
    );
    const compose = parse(files.get('docker-compose.yml')!, { merge: true }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown> }>;
    };
    expect(compose.services['reviews']?.command).toEqual(['dist/subgraphs/reviews/main.js']);
    expect(compose.services['reviews']?.environment?.['PORT']).toBe('4009');
    expect(compose.services['gateway']?.environment?.['SUBGRAPH_URL_REVIEWS']).toBe('http://reviews:4009/graphql');
    expect(compose.services['gateway']?.depends_on).toHaveProperty('reviews');
    expect(files.get('deploy/k8s/gateway.yaml')).toContain('value: http://reviews:4009/graphql');
  });
});
