/**
 * The card processor as payments sees it: a Stripe-like API of authorize, capture and refund.
 * Payment methods are opaque tokens (the card never reaches us); every call that moves money takes
 * an idempotency key, and the processor answers a repeated key with the first call's result
 * instead of charging or refunding twice. That is what lets payments simply call again after a
 * crash or a timeout.
 *
 * Authorize and capture are two calls, as with real processors, so a capture can be withheld; the
 * saga captures at once, and both calls are idempotent, so a redelivery repeats them harmlessly.
 */
export interface CardProcessor {
  /** Places a hold of `amount` on the card behind `paymentToken`. A refusal is a result, not a throw. */
  authorize(amount: number, currency: string, paymentToken: string, idempotencyKey: string, options?: ProcessorCallOptions): Promise<AuthorizationResult>;
  /** Captures an authorization in full; capturing a captured authorization again is a no-op. */
  capture(reference: string, options?: ProcessorCallOptions): Promise<void>;
  /** Refunds `amount` of a captured charge; a repeated `idempotencyKey` does not refund twice. */
  refund(reference: string, amount: number, idempotencyKey: string, options?: ProcessorCallOptions): Promise<RefundResult>;
}

export interface ProcessorCallOptions {
  /** Aborted when the caller stops waiting (its timeout); the call then rejects. */
  readonly signal?: AbortSignal;
}

/** Why the processor refused a card: a subset of the saga's PaymentFailureReason. */
export type DeclineReason = 'CARD_DECLINED' | 'INSUFFICIENT_FUNDS' | 'INVALID_PAYMENT_METHOD';

export type AuthorizationResult =
  | { readonly outcome: 'AUTHORIZED'; readonly reference: string; readonly cardLast4: string }
  | { readonly outcome: 'DECLINED'; readonly reason: DeclineReason; readonly cardLast4: string | null };

export interface RefundResult {
  readonly refundReference: string;
  readonly amount: number;
}

/** The processor did not answer within payments' own bound (`PAYMENT_PROCESSOR_TIMEOUT_MS`). */
export class ProcessorTimeoutError extends Error {
  constructor(
    readonly operation: 'authorize' | 'capture' | 'refund',
    readonly timeoutMs: number,
  ) {
    super(`the card processor did not answer ${operation} within ${timeoutMs} ms`);
    this.name = 'ProcessorTimeoutError';
  }
}

/** The processor refused a request as malformed (an unknown reference, a reused idempotency key). */
export class ProcessorRequestError extends Error {
  constructor(
    readonly code: 'UNKNOWN_REFERENCE' | 'IDEMPOTENCY_KEY_REUSED' | 'INVALID_AMOUNT' | 'NOT_CAPTURED',
    message: string,
  ) {
    super(message);
    this.name = 'ProcessorRequestError';
  }
}

/**
 * Runs one processor call with a bound: aborts it and rejects with ProcessorTimeoutError after
 * `timeoutMs`, whether or not the processor ever answers.
 */
export async function withProcessorTimeout<T>(operation: ProcessorTimeoutError['operation'], timeoutMs: number, call: (options: ProcessorCallOptions) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new ProcessorTimeoutError(operation, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([call({ signal: controller.signal }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
