// The gateway's entry point (gateway/main.ts) started as an operator starts it, with
// GATEWAY_CONFIG_FILE: the example file's limit and plugin take effect, a variable still overrides
// the file, and a bad file stops the process (exit 78) naming the file and the path of each bad value.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from './support/service-process.ts';

const root = resolve(import.meta.dirname, '..');
let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'gateway-config-file-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

/** `categories { parent { … { id } } }`, `depth` levels deep. */
const deepQuery = (depth: number) => `{ categories { ${'parent { '.repeat(depth - 2)}id${' }'.repeat(depth - 2)} } }`;

describe('gateway/main.ts with examples/gateway.config.yaml', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    // The example says 300 anonymous requests a minute; the environment says 7, and wins.
    gateway = await startGatewayProcess({ GATEWAY_CONFIG_FILE: 'examples/gateway.config.yaml', RATE_LIMIT_ANONYMOUS_POINTS: '7', RATE_LIMIT_ENABLED: 'true' });
  }, 180_000);
  afterAll(() => gateway?.stop());

  const post = (query: string) => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const codeOf = async (response: Response) => ((await response.json()) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code;

  it("answers with the file's plugin on, under the variable's rate limit", async () => {
    const response = await post('{ __typename }');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    expect(response.headers.get('x-served-by')).toBe('example-gateway');
    expect(response.headers.get('ratelimit-limit')).toBe('7');
  });

  it("refuses a query deeper than the file's limit (8; without the file, 12)", async () => {
    const over = await post(deepQuery(9));
    expect(over.status).toBe(400);
    expect(await codeOf(over)).toBe('DEPTH_LIMIT_EXCEEDED');
    // At the limit the query passes validation (and then finds no catalog running).
    expect(await codeOf(await post(deepQuery(8)))).not.toBe('DEPTH_LIMIT_EXCEEDED');
  });
});

/** Runs gateway/main.ts until it exits on its own. */
function runGateway(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.once('close', (code) => done({ code, stderr })));
}

// Two processes side by side: each ends on its own within its start-up.
describe.concurrent('gateway/main.ts with a bad configuration file', () => {
  it('exits 78 naming the file and the path of each bad value and unknown key', { timeout: 180_000 }, async ({ expect }) => {
    const path = join(directory, 'gateway.config.yaml');
    await writeFile(path, 'rateLimits:\n  userPoints: -1\noperationLimits:\n  maxDeph: 3\n');
    const { code, stderr } = await runGateway({ GATEWAY_CONFIG_FILE: path });
    expect(code).toBe(78);
    expect(stderr).toContain(`${path}: rateLimits.userPoints: expected a positive integer`);
    expect(stderr).toContain(`${path}: operationLimits: Unrecognized key: "maxDeph"`);
  });

  it('exits 78 naming the plugin whose options it refuses', { timeout: 180_000 }, async ({ expect }) => {
    const path = join(directory, 'bad-plugin.yaml');
    const plugin = resolve(root, 'examples/plugins/response-header.ts');
    await writeFile(path, `plugins:\n  - module: ${plugin}\n    options: { name: "Not A Header", value: x }\n`);
    const { code, stderr } = await runGateway({ GATEWAY_CONFIG_FILE: path });
    expect(code).toBe(78);
    expect(stderr).toContain(`${path}: plugins[0] (${plugin}): options.name: must be a lower-case header name`);
  });
});
