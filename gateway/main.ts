import cluster from 'node:cluster';
import { exitOnConfigError } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import { stopOnSignals } from '../common/service/stop-on-signals.ts';
import { loadGatewayConfig } from './config.ts';
import { runPrimary } from './workers/cluster.ts';

// The configuration is checked before any worker is forked: a bad variable ends the primary plainly.
const config = await exitOnConfigError(() => loadGatewayConfig());
const log = createLogger('gateway', config.logLevel, config.logFormat);

if (cluster.isPrimary && config.workers > 1) {
  // The primary serves nothing: it does not load the gateway's modules (the workers start sooner).
  runPrimary({ workers: config.workers, log, shutdownGraceMs: config.shutdownGraceMs });
} else {
  const [{ createMetrics }, { loadTracingConfig }, { startTracing }, { startGateway }, { joinClusterMetrics }] = await Promise.all([
    import('../common/metrics.ts'),
    import('../common/telemetry/tracing-config.ts'),
    import('../common/telemetry/tracing.ts'),
    import('./start-gateway.ts'),
    import('./workers/cluster.ts'),
  ]);
  const { gateway, tracing } = await exitOnConfigError(async () => {
    const tracing = startTracing(loadTracingConfig('gateway'));
    const metrics = createMetrics('gateway');
    joinClusterMetrics(metrics.registry, 'gateway');
    return { gateway: await startGateway(config, { metrics }), tracing };
  });
  const signals = stopOnSignals(async () => {
    await gateway.stop();
    await tracing.shutdown();
  }, log);
  // A worker whose primary is gone (killed) stops rather than serve on unsupervised.
  if (cluster.isWorker) process.on('disconnect', () => signals.stopNow('the cluster primary is gone'));
}
