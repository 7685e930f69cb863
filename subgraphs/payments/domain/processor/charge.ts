import type { PaymentFailureReason } from '../../../../common/contracts/messages/index.ts';
import { ProcessorTimeoutError, withProcessorTimeout, type CardProcessor } from './card-processor.ts';

export interface ChargeRequest {
  readonly amount: number;
  readonly currency: string;
  readonly paymentToken: string;
  /** The order id: the processor answers a repeated key with the first result. */
  readonly idempotencyKey: string;
}

/** How a charge ended, in the terms of the Payment row it is written to. */
export type ChargeOutcome =
  | { readonly status: 'CAPTURED'; readonly processorReference: string; readonly cardLast4: string }
  | {
      readonly status: 'DECLINED' | 'FAILED';
      readonly reason: Exclude<PaymentFailureReason, 'ORDER_VOIDED'>;
      readonly cardLast4: string | null;
    };

/**
 * Authorizes and captures a card, each call bounded by `timeoutMs`.
 *
 * - The issuer's refusals (CARD_DECLINED, INSUFFICIENT_FUNDS) are DECLINED; a token the processor
 *   does not know is FAILED with INVALID_PAYMENT_METHOD.
 * - An authorization that does not answer in time is FAILED with PROCESSOR_TIMEOUT: no capture is
 *   ever made for it, so whatever hold the processor may still place lapses without charging.
 * - A capture that does not answer in time throws instead: the card may have been charged, so the
 *   caller must not report a failure; it keeps the payment PROCESSING and tries again (capture is
 *   idempotent), as it does for any other error.
 */
export async function chargeCard(processor: CardProcessor, request: ChargeRequest, timeoutMs: number): Promise<ChargeOutcome> {
  let authorization;
  try {
    authorization = await withProcessorTimeout('authorize', timeoutMs, (options) =>
      processor.authorize(request.amount, request.currency, request.paymentToken, request.idempotencyKey, options),
    );
  } catch (error) {
    if (error instanceof ProcessorTimeoutError) return { status: 'FAILED', reason: 'PROCESSOR_TIMEOUT', cardLast4: null };
    throw error;
  }
  if (authorization.outcome === 'DECLINED') {
    const status = authorization.reason === 'INVALID_PAYMENT_METHOD' ? 'FAILED' : 'DECLINED';
    return { status, reason: authorization.reason, cardLast4: authorization.cardLast4 };
  }
  await withProcessorTimeout('capture', timeoutMs, (options) => processor.capture(authorization.reference, options));
  return { status: 'CAPTURED', processorReference: authorization.reference, cardLast4: authorization.cardLast4 };
}

/** Refunds a captured charge, bounded by `timeoutMs`; a timeout throws (the refund must happen: retry). */
export async function refundCharge(
  processor: CardProcessor,
  request: { readonly processorReference: string; readonly amount: number; readonly idempotencyKey: string },
  timeoutMs: number,
): Promise<void> {
  await withProcessorTimeout('refund', timeoutMs, (options) => processor.refund(request.processorReference, request.amount, request.idempotencyKey, options));
}
