import { createHash } from 'node:crypto';
import { ProcessorRequestError, type AuthorizationResult, type CardProcessor, type DeclineReason, type ProcessorCallOptions, type RefundResult } from './card-processor.ts';

/**
 * The test payment methods the simulated processor knows, after Stripe's test tokens. Any other
 * token is refused with INVALID_PAYMENT_METHOD.
 */
export const TEST_PAYMENT_TOKENS = {
  /** Succeeds; card ending 4242. */
  tok_visa: { cardLast4: '4242', behaviour: 'succeeds' },
  /** Succeeds; card ending 4444. */
  tok_mastercard: { cardLast4: '4444', behaviour: 'succeeds' },
  /** Refused by the issuer: CARD_DECLINED; card ending 0002. */
  tok_chargeDeclined: { cardLast4: '0002', behaviour: 'CARD_DECLINED' },
  /** Refused by the issuer: INSUFFICIENT_FUNDS; card ending 9995. */
  tok_chargeDeclinedInsufficientFunds: { cardLast4: '9995', behaviour: 'INSUFFICIENT_FUNDS' },
  /** The processor never answers: payments' own timeout turns it into PROCESSOR_TIMEOUT. */
  tok_processorTimeout: { cardLast4: null, behaviour: 'never-answers' },
} as const satisfies Record<string, { cardLast4: string | null; behaviour: 'succeeds' | 'never-answers' | DeclineReason }>;

export type TestPaymentToken = keyof typeof TEST_PAYMENT_TOKENS;

const REFERENCE = /^ch_sim_[0-9a-f]{24}$/;

interface AuthorizationRecord {
  /** The request as first made: the same key with other parameters is refused, as Stripe does. */
  readonly fingerprint: string;
  readonly result: AuthorizationResult;
}

interface ChargeRecord {
  /** Unknown when the charge predates this process (see `chargeOf`). */
  readonly amount: number | null;
  captured: boolean;
  refunded: number;
  readonly refunds: Map<string, RefundResult>;
}

/**
 * The card processor, simulated inside payments: the only stand-in of the system. Deterministic
 * (a charge's reference is derived from its idempotency key) and idempotent by key (a repeated
 * authorize or refund answers with the first result and moves no money again).
 *
 * Its ledger lives in memory, so it does not survive a restart of payments; a charge reference it
 * issued before (recognisable by its form) is then still accepted for capture and refund, as a
 * real processor would remember it.
 */
export class SimulatedCardProcessor implements CardProcessor {
  private readonly authorizations = new Map<string, AuthorizationRecord>();
  private readonly charges = new Map<string, ChargeRecord>();

  /** Calls received, for tests and demos: a repeated call counts, the money moved once is in `moved`. */
  readonly calls = { authorize: 0, capture: 0, refund: 0 };
  /** Money actually moved: authorizations made, captures done and refunds done, repeats excluded. */
  readonly moved = { authorizations: 0, captures: 0, refunds: 0 };

  async authorize(amount: number, currency: string, paymentToken: string, idempotencyKey: string, options: ProcessorCallOptions = {}): Promise<AuthorizationResult> {
    this.calls.authorize += 1;
    if (!Number.isSafeInteger(amount) || amount < 0) {
      throw new ProcessorRequestError('INVALID_AMOUNT', `amount must be a whole number of minor units, got ${amount}`);
    }
    const fingerprint = JSON.stringify([amount, currency, paymentToken]);
    const previous = this.authorizations.get(idempotencyKey);
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        throw new ProcessorRequestError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${idempotencyKey} was used with other parameters`);
      }
      return previous.result;
    }

    const card = Object.hasOwn(TEST_PAYMENT_TOKENS, paymentToken) ? TEST_PAYMENT_TOKENS[paymentToken as TestPaymentToken] : undefined;
    if (card?.behaviour === 'never-answers') return neverAnswer(options.signal);

    let result: AuthorizationResult;
    if (card === undefined) result = { outcome: 'DECLINED', reason: 'INVALID_PAYMENT_METHOD', cardLast4: null };
    else if (card.behaviour !== 'succeeds') result = { outcome: 'DECLINED', reason: card.behaviour, cardLast4: card.cardLast4 };
    else {
      result = { outcome: 'AUTHORIZED', reference: chargeReference(idempotencyKey), cardLast4: card.cardLast4 };
      this.charges.set(result.reference, { amount, captured: false, refunded: 0, refunds: new Map() });
      this.moved.authorizations += 1;
    }
    this.authorizations.set(idempotencyKey, { fingerprint, result });
    return result;
  }

  async capture(reference: string, _options: ProcessorCallOptions = {}): Promise<void> {
    this.calls.capture += 1;
    const charge = this.chargeOf(reference);
    if (charge.captured) return;
    charge.captured = true;
    this.moved.captures += 1;
  }

  async refund(reference: string, amount: number, idempotencyKey: string, _options: ProcessorCallOptions = {}): Promise<RefundResult> {
    this.calls.refund += 1;
    const charge = this.chargeOf(reference);
    const previous = charge.refunds.get(idempotencyKey);
    if (previous) return previous;
    if (!charge.captured) throw new ProcessorRequestError('NOT_CAPTURED', `charge ${reference} was not captured`);
    const refundable = charge.amount === null ? Number.POSITIVE_INFINITY : charge.amount - charge.refunded;
    if (!Number.isSafeInteger(amount) || amount <= 0 || amount > refundable) {
      throw new ProcessorRequestError('INVALID_AMOUNT', `cannot refund ${amount} of charge ${reference}`);
    }
    const result: RefundResult = { refundReference: `re_sim_${digest(`refund:${idempotencyKey}`)}`, amount };
    charge.refunded += amount;
    charge.refunds.set(idempotencyKey, result);
    this.moved.refunds += 1;
    return result;
  }

  private chargeOf(reference: string): ChargeRecord {
    const known = this.charges.get(reference);
    if (known) return known;
    if (!REFERENCE.test(reference)) throw new ProcessorRequestError('UNKNOWN_REFERENCE', `no charge ${reference}`);
    // A reference of ours from before a restart: payments only keeps references of captured charges.
    const adopted: ChargeRecord = { amount: null, captured: true, refunded: 0, refunds: new Map() };
    this.charges.set(reference, adopted);
    return adopted;
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 24);
const chargeReference = (idempotencyKey: string) => `ch_sim_${digest(`charge:${idempotencyKey}`)}`;

/** A call the processor never answers; it only ends when the caller gives up (aborts). */
function neverAnswer(signal: AbortSignal | undefined): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    if (!signal) return;
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
