import { ChargePayment, RefundPayment } from '../../../common/contracts/messages/index.ts';
import { consumer, dispatcher, on, startConsumer, type ConsumerDefinition } from '../../../common/messaging/consumer.ts';
import type { ConsumeOptions, MessageBus, MessageHandler } from '../../../common/messaging/message-bus.ts';
import type { BackgroundWorker } from '../../../common/service/subgraph-module.ts';
import { chargePayment, refundPayment, type PaymentCommandDependencies } from '../domain/payment-commands.ts';

/** The queue of the saga's commands to payments. */
export const PAYMENT_COMMANDS_QUEUE = 'payments.commands';

/**
 * A refund that finds its charge still in progress is retried until the charge ends: the retries
 * (250 ms doubling, 10 deliveries: about two minutes) outlast a charge's two bounded processor
 * calls many times over.
 */
export const PAYMENT_COMMANDS_CONSUME_OPTIONS: ConsumeOptions = { maxAttempts: 10, retryDelayMs: 250 };

/** The saga's ChargePayment and RefundPayment, each handled by domain/payment-commands.ts from the order's payment row. */
export function paymentCommands(dependencies: PaymentCommandDependencies, options: ConsumeOptions = PAYMENT_COMMANDS_CONSUME_OPTIONS): ConsumerDefinition {
  return consumer({
    queue: PAYMENT_COMMANDS_QUEUE,
    handlers: [
      on(ChargePayment, (command, message) => chargePayment(dependencies, command, message)),
      on(RefundPayment, (command, message) => refundPayment(dependencies, command, message)),
    ],
    unknown: 'retry', // a command nobody handles must reach the dead-letter queue, not vanish
    options,
  });
}

/** The bus handler of `payments.commands` (tests drive it directly). */
export function createPaymentCommandHandler(dependencies: PaymentCommandDependencies): MessageHandler {
  return dispatcher(paymentCommands(dependencies), dependencies.log);
}

/** Consumes `payments.commands` until stopped. */
export function startPaymentCommandConsumer(
  bus: MessageBus,
  dependencies: PaymentCommandDependencies,
  options: ConsumeOptions = PAYMENT_COMMANDS_CONSUME_OPTIONS,
): Promise<BackgroundWorker> {
  return startConsumer(bus, dependencies.log, paymentCommands(dependencies, options));
}
