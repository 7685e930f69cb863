import type { Logger } from '../../../../common/logger.ts';
import type { BackgroundWorker, OutboxPublisher } from '../../../../common/service/subgraph-module.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { stepOf, type SagaMetrics } from './saga-metrics.ts';
import { cancel } from './transitions.ts';

export interface TimeoutSweeperOptions {
  readonly prisma: PrismaClient;
  readonly outbox: OutboxPublisher;
  readonly log: Logger;
  readonly metrics: SagaMetrics;
  readonly intervalMs: number;
}

/**
 * Cancels and compensates orders whose saga step outlived its deadline: a participant that is
 * down never leaves an order PENDING for ever. Runs on every replica; transitions are guarded,
 * so two sweepers never cancel one order twice.
 */
export function startTimeoutSweeper({ prisma, outbox, log, metrics, intervalMs }: TimeoutSweeperOptions): BackgroundWorker {
  let running: Promise<void> | undefined;
  const sweep = async () => {
    const overdue = await prisma.order.findMany({
      where: { status: 'PENDING', sagaStep: { in: ['RESERVING_STOCK', 'CHARGING_PAYMENT'] }, sagaDeadline: { lt: new Date() } },
      orderBy: { sagaDeadline: 'asc' },
      take: 50,
    });
    let cancelled = 0;
    for (const order of overdue) {
      const charging = order.sagaStep === 'CHARGING_PAYMENT';
      const moved = await outbox.transaction(prisma, { requestId: `saga-timeout-${order.id}` }, (tx, publish) =>
        cancel(tx, publish, order, {
          reason: charging ? 'PAYMENT_TIMEOUT' : 'STOCK_TIMEOUT',
          from: { status: 'PENDING', sagaStep: order.sagaStep },
          // Either participant may still act on a command it got late; the compensations are
          // idempotent and leave tombstones that make such a late command refuse.
          refund: charging,
          release: true,
        }),
      );
      if (!moved) continue; // a reply, a cancellation or another replica's sweeper got there first
      cancelled += 1;
      const step = stepOf(order.sagaStep);
      if (step) metrics.record({ step, result: 'timed_out', outcome: 'cancelled' });
    }
    if (cancelled > 0) log.warn({ cancelled }, 'cancelled orders whose saga step timed out');
  };
  const timer = setInterval(() => {
    running ??= sweep()
      .catch((error: unknown) => log.error({ err: error }, 'saga timeout sweep failed'))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
