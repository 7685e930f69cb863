import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { subgraphModules } from '../subgraphs/index.ts';
import { servicesToPrepare } from './prepare-embedded.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'prepare-embedded-'));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('which embedded databases a first npm start prepares', () => {
  it('is every service on the embedded default whose directory is missing or empty, never one with a URL', async () => {
    const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir };
    expect(await servicesToPrepare(env)).toEqual(subgraphModules.map((module) => module.name));

    await mkdir(join(dataDir, 'catalog'));
    await writeFile(join(dataDir, 'catalog', 'PG_VERSION'), '17\n');
    await mkdir(join(dataDir, 'orders')); // empty: an interrupted first start before PGlite wrote anything
    const withUrl = { ...env, DATABASE_URL_ACCOUNTS: 'postgresql://postgres@127.0.0.1:5432/accounts' };
    expect(await servicesToPrepare(withUrl)).toEqual(subgraphModules.map((module) => module.name).filter((name) => name !== 'catalog' && name !== 'accounts'));
  });
});
