import { exitOnConfigError } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import { stopOnSignals } from '../common/service/stop-on-signals.ts';
import { loadTracingConfig } from '../common/telemetry/tracing-config.ts';
import { startTracing } from '../common/telemetry/tracing.ts';
import { loadGatewayConfig } from './config.ts';
import { startGateway } from './start-gateway.ts';

const { gateway, tracing, config } = await exitOnConfigError(async () => {
  const config = loadGatewayConfig();
  const tracing = startTracing(loadTracingConfig('gateway'));
  return { gateway: await startGateway(config), tracing, config };
});
stopOnSignals(
  async () => {
    await gateway.stop();
    await tracing.shutdown();
  },
  createLogger('gateway', config.logLevel, config.logFormat),
);
