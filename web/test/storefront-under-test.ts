import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { createLogger } from '../../common/logger.ts';
import { startTestSupergraph, type TestSupergraph } from '../../test/support/test-supergraph.ts';
import { createStorefrontServer } from '../server/static-server.ts';

export interface StorefrontUnderTest {
  readonly supergraph: TestSupergraph;
  /** The storefront's origin; its /graphql forwards to the supergraph's gateway. */
  readonly url: string;
  /** The production bundle the server serves. */
  readonly distDir: string;
  stop(): Promise<void>;
}

/** Builds the production bundle, starts a supergraph of its own and the storefront's static server in front of it. */
export async function startStorefront(env: Record<string, string> = {}): Promise<StorefrontUnderTest> {
  const distDir = await mkdtemp(join(tmpdir(), 'storefront-dist-'));
  const cleanUps: (() => Promise<void>)[] = [() => rm(distDir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of cleanUps.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    await build({ configFile: resolve(import.meta.dirname, '../vite.config.ts'), logLevel: 'error', build: { outDir: distDir, emptyOutDir: true } });
    const supergraph = await startTestSupergraph({ mode: 'embedded', env });
    cleanUps.push(() => supergraph.stop());
    const server = createStorefrontServer({ distDir, gatewayUrl: supergraph.gatewayUrl, log: createLogger('storefront', 'silent') });
    const url = await server.listen(0, '127.0.0.1');
    cleanUps.push(() => server.close());
    return { supergraph, url, distDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
