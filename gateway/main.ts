import { exitOnConfigError } from '../common/config.ts';
import { stopOnSignals } from '../common/service/stop-on-signals.ts';
import { loadGatewayConfig } from './config.ts';
import { startGateway } from './start-gateway.ts';

const gateway = await exitOnConfigError(() => startGateway(loadGatewayConfig()));
stopOnSignals(gateway.stop);
