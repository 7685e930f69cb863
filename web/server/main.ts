/** The storefront alone: `node --import tsx web/server/main.ts` serves web/dist and forwards /graphql to GATEWAY_URL. */
import { exitOnConfigError } from '../../common/config.ts';
import { createLogger } from '../../common/logger.ts';
import { stopOnSignals } from '../../common/service/stop-on-signals.ts';
import { loadStorefrontConfig } from './config.ts';
import { createStorefrontServer } from './static-server.ts';

const config = await exitOnConfigError(() => loadStorefrontConfig());
const log = createLogger('storefront', config.logLevel, config.logFormat);
const storefront = createStorefrontServer({ ...config, log });
const url = await storefront.listen(config.port, config.host);
log.info({ url, gateway: config.gatewayUrl }, 'storefront listening');
stopOnSignals(() => storefront.close(), log);
