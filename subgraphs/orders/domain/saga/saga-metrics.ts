import { Counter, type Registry } from 'prom-client';
import type { SagaStep } from '../../generated/prisma/client.ts';

/** How an order's saga ended, named after the order status it ends in. */
export type SagaOutcome = 'confirmed' | 'cancelled';

/** The saga's steps that wait on a participant. */
export type SagaStepName = 'reserve_stock' | 'charge_payment';

/**
 * How a step ended: its participant replied with success or failure, the sweeper gave up on it,
 * or the customer (or an admin) cancelled the order while it was running.
 */
export type SagaStepResult = 'succeeded' | 'failed' | 'timed_out' | 'cancelled';

/** One committed transition of a saga; `outcome` is set when that transition ended it. */
export interface SagaProgress {
  readonly step: SagaStepName;
  readonly result: SagaStepResult;
  readonly outcome?: SagaOutcome;
}

export interface SagaMetrics {
  /**
   * Counts a transition. Call it only after the transaction that made it committed, and only when
   * it did move the order: a redelivered or late message, a lost race, or a rollback counts nothing.
   */
  record(progress: SagaProgress): void;
}

/** The step an order in `sagaStep` is waiting on; undefined once the saga is DONE. */
export function stepOf(sagaStep: SagaStep): SagaStepName | undefined {
  switch (sagaStep) {
    case 'RESERVING_STOCK':
      return 'reserve_stock';
    case 'CHARGING_PAYMENT':
      return 'charge_payment';
    case 'DONE':
      return undefined;
  }
}

/** The saga's counters in a service's registry; the orders module builds them once, in its parts. */
export function sagaMetrics(registry: Registry): SagaMetrics {
  const outcomes = new Counter({
    name: 'saga_outcomes_total',
    help:
      'Order sagas that ended, by outcome, counted once when the ending transition commits: ' +
      '"confirmed" = stock reserved and payment captured, the order is CONFIRMED; ' +
      '"cancelled" = stock or payment failed, a step timed out, or the order was cancelled while PENDING: ' +
      'the order is CANCELLED and what was done is compensated (stock released, payment refunded). ' +
      'A CONFIRMED order cancelled later is not counted again.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const steps = new Counter({
    name: 'saga_steps_total',
    help:
      'Order saga steps that ended, by step (reserve_stock, charge_payment) and result ' +
      '(succeeded, failed, timed_out, cancelled = the order was cancelled while the step ran).',
    labelNames: ['step', 'result'] as const,
    registers: [registry],
  });
  // Zero series from the start, so a rate() over a fresh process is defined and dashboards show both outcomes.
  for (const outcome of ['confirmed', 'cancelled'] satisfies SagaOutcome[]) outcomes.inc({ outcome }, 0);
  return {
    record({ step, result, outcome }) {
      steps.inc({ step, result });
      if (outcome) outcomes.inc({ outcome });
    },
  };
}
