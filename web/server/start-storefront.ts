import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../../common/logger.ts';
import { loadStorefrontConfig } from './config.ts';
import { createStorefrontServer } from './static-server.ts';

/** The storefront beside a gateway (`npm start`): the built bundle, `/graphql` forwarded to `gatewayUrl`. */
export async function startStorefront(gatewayUrl: string, env: Record<string, string | undefined> = process.env) {
  const config = loadStorefrontConfig({ ...env, GATEWAY_URL: gatewayUrl });
  await access(join(config.distDir, 'index.html')).catch(() => {
    throw new Error(`no storefront bundle in ${config.distDir}: run npm run web:build`);
  });
  const server = createStorefrontServer({ ...config, log: createLogger('storefront', config.logLevel, config.logFormat) });
  const url = await server.listen(config.port, config.host);
  return { url, stop: () => server.close() };
}
