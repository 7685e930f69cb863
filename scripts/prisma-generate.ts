// Generates the Prisma client of every service (`prisma/*/schema.prisma`), or of the services named on
// the command line: `tsx scripts/prisma-generate.ts [service...]`.
//
// - Works without Prisma's native engines: `prisma generate` never runs the schema engine but refuses
//   to start unless it can find (or download) one, so PRISMA_SCHEMA_ENGINE_BINARY is pointed at an
//   existing file (this Node binary) unless it already names one.
// - Cheap when nothing changed: a hash of the schema and the Prisma versions is stored beside the
//   output (`<output>/.generate-hash`); a schema whose output matches it is skipped.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { listServices, projectRoot, servicePaths } from '../common/database/paths.ts';

const HASH_FILE = '.generate-hash';

interface Target {
  readonly service: string;
  readonly schemaPath: string;
  readonly outputDir: string;
  readonly hash: string;
}

const require = createRequire(import.meta.url);
const prismaCli = require.resolve('prisma/build/index.js');
const versions = ['prisma', '@prisma/client'].map((name) => `${name}@${readPackageVersion(name)}`).join(' ');

async function main(): Promise<void> {
  const started = performance.now();
  const services = await selectServices(process.argv.slice(2));
  const targets = await Promise.all(services.map(describeTarget));
  const results = await Promise.all(targets.map(generateIfStale));
  const generated = results.filter((result) => result === 'generated').length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`prisma-generate: ${generated} generated, ${results.length - generated} up to date (${seconds}s)`);
}

async function selectServices(requested: string[]): Promise<string[]> {
  const available = await listServices();
  const unknown = requested.filter((service) => !available.includes(service));
  if (unknown.length > 0) {
    throw new Error(`No prisma/<service>/schema.prisma for: ${unknown.join(', ')} (known: ${available.join(', ')})`);
  }
  return requested.length > 0 ? requested : available;
}

async function describeTarget(service: string): Promise<Target> {
  const { schemaPath } = servicePaths(service);
  const schema = await readFile(schemaPath, 'utf8');
  const output = /generator\s+\w+\s*\{[^}]*?\boutput\s*=\s*"([^"]+)"/.exec(schema)?.[1];
  if (output === undefined) throw new Error(`${schemaPath}: the generator block has no output path`);
  const hash = createHash('sha256').update(versions).update('\0').update(schema).digest('hex');
  return { service, schemaPath, outputDir: path.resolve(path.dirname(schemaPath), output), hash };
}

async function generateIfStale(target: Target): Promise<'generated' | 'up to date'> {
  const hashFile = path.join(target.outputDir, HASH_FILE);
  const stored = await readFile(hashFile, 'utf8').catch(() => '');
  if (stored.trim() === target.hash && existsSync(path.join(target.outputDir, 'client.ts'))) return 'up to date';

  await rm(hashFile, { force: true });
  const started = performance.now();
  await runPrismaGenerate(target.schemaPath);
  await writeFile(hashFile, `${target.hash}\n`, 'utf8');
  const relative = path.relative(projectRoot, target.outputDir);
  console.log(`prisma-generate: ${target.service} -> ${relative} (${Math.round(performance.now() - started)} ms)`);
  return 'generated';
}

function runPrismaGenerate(schemaPath: string): Promise<void> {
  const configured = process.env['PRISMA_SCHEMA_ENGINE_BINARY'];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: configured !== undefined && existsSync(configured) ? configured : process.execPath,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
  const args = [prismaCli, 'generate', '--schema', path.relative(projectRoot, schemaPath)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`prisma generate --schema ${schemaPath} exited with ${code}:\n${output}`));
    });
  });
}

function readPackageVersion(name: string): string {
  const manifest: unknown = require(`${name}/package.json`);
  if (typeof manifest === 'object' && manifest !== null && 'version' in manifest && typeof manifest.version === 'string') {
    return manifest.version;
  }
  throw new Error(`${name}/package.json has no version`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
