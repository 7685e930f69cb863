import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/config.ts';
import { DEFAULT_PROCESSOR_TIMEOUT_MS, loadPaymentsConfig } from './config.ts';
import { ProcessorRequestError, ProcessorTimeoutError, withProcessorTimeout, type CardProcessor } from './domain/processor/card-processor.ts';
import { chargeCard } from './domain/processor/charge.ts';
import { SimulatedCardProcessor } from './domain/processor/simulated-processor.ts';
import { testTiming } from '../../test/support/test-timing.ts';

const charge = (processor: CardProcessor, paymentToken: string, timeoutMs = 1000, idempotencyKey = randomUUID()) =>
  chargeCard(processor, { amount: 2599, currency: 'USD', paymentToken, idempotencyKey }, timeoutMs);

describe('the simulated card processor', () => {
  it.each([
    ['tok_visa', { status: 'CAPTURED', cardLast4: '4242' }],
    ['tok_mastercard', { status: 'CAPTURED', cardLast4: '4444' }],
    ['tok_chargeDeclined', { status: 'DECLINED', reason: 'CARD_DECLINED', cardLast4: '0002' }],
    ['tok_chargeDeclinedInsufficientFunds', { status: 'DECLINED', reason: 'INSUFFICIENT_FUNDS', cardLast4: '9995' }],
    ['tok_amex_unknown', { status: 'FAILED', reason: 'INVALID_PAYMENT_METHOD', cardLast4: null }],
    ['', { status: 'FAILED', reason: 'INVALID_PAYMENT_METHOD', cardLast4: null }],
    ['toString', { status: 'FAILED', reason: 'INVALID_PAYMENT_METHOD', cardLast4: null }],
  ] as const)('charges %j as documented', async (token, expected) => {
    const processor = new SimulatedCardProcessor();
    const outcome = await charge(processor, token);
    expect(outcome).toMatchObject(expected);
    expect(processor.moved.captures).toBe(expected.status === 'CAPTURED' ? 1 : 0);
  });

  it('turns tok_processorTimeout into PROCESSOR_TIMEOUT within the configured bound', async () => {
    const config = loadPaymentsConfig({ PAYMENT_PROCESSOR_TIMEOUT_MS: '150' });
    expect(config.processorTimeoutMs).toBe(150);
    const processor = new SimulatedCardProcessor();
    const started = performance.now();
    const outcome = await charge(processor, 'tok_processorTimeout', config.processorTimeoutMs);
    const elapsed = performance.now() - started;
    expect(outcome).toEqual({ status: 'FAILED', reason: 'PROCESSOR_TIMEOUT', cardLast4: null });
    expect(elapsed).toBeGreaterThanOrEqual(145);
    // The configured bound, not the default (3 s), with room for a loaded machine's late timers.
    expect(elapsed).toBeLessThan(150 + testTiming.timerSlackMs);
    expect(150 + testTiming.timerSlackMs).toBeLessThan(DEFAULT_PROCESSOR_TIMEOUT_MS);
    expect(processor.calls).toEqual({ authorize: 1, capture: 0, refund: 0 });
  });

  it('aborts the call it stops waiting for', async () => {
    let signal: AbortSignal | undefined;
    const hanging = new SimulatedCardProcessor();
    const call = withProcessorTimeout('authorize', 20, (options) => {
      signal = options.signal;
      return hanging.authorize(100, 'USD', 'tok_processorTimeout', randomUUID(), options);
    });
    await expect(call).rejects.toBeInstanceOf(ProcessorTimeoutError);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(ProcessorTimeoutError);
  });

  it('throws, rather than reporting a failure, when a capture does not answer (the card may be charged)', async () => {
    const simulated = new SimulatedCardProcessor();
    const captureHangs: CardProcessor = {
      authorize: (...args) => simulated.authorize(...args),
      capture: () => new Promise(() => {}),
      refund: (...args) => simulated.refund(...args),
    };
    await expect(charge(captureHangs, 'tok_visa', 50)).rejects.toMatchObject({ name: 'ProcessorTimeoutError', operation: 'capture' });
  });

  it('is idempotent and deterministic by idempotency key', async () => {
    const processor = new SimulatedCardProcessor();
    const key = randomUUID();
    const first = await processor.authorize(2599, 'USD', 'tok_visa', key);
    const again = await processor.authorize(2599, 'USD', 'tok_visa', key);
    expect(again).toEqual(first);
    expect(await new SimulatedCardProcessor().authorize(2599, 'USD', 'tok_visa', key)).toEqual(first);
    if (first.outcome !== 'AUTHORIZED') throw new Error('expected an authorization');
    await processor.capture(first.reference);
    await processor.capture(first.reference);
    expect(processor.calls).toEqual({ authorize: 2, capture: 2, refund: 0 });
    expect(processor.moved).toEqual({ authorizations: 1, captures: 1, refunds: 0 });

    // A decline is remembered too, and a key reused with other parameters is refused, as Stripe does.
    const declinedKey = randomUUID();
    const declined = await processor.authorize(100, 'USD', 'tok_chargeDeclined', declinedKey);
    expect(await processor.authorize(100, 'USD', 'tok_chargeDeclined', declinedKey)).toEqual(declined);
    await expect(processor.authorize(2600, 'USD', 'tok_visa', key)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('refunds a captured charge once per idempotency key, and never more than was captured', async () => {
    const processor = new SimulatedCardProcessor();
    const authorization = await processor.authorize(2599, 'USD', 'tok_visa', randomUUID());
    if (authorization.outcome !== 'AUTHORIZED') throw new Error('expected an authorization');
    await expect(processor.refund(authorization.reference, 2599, 'r1')).rejects.toMatchObject({ code: 'NOT_CAPTURED' });
    await processor.capture(authorization.reference);
    const refund = await processor.refund(authorization.reference, 2599, 'r1');
    expect(await processor.refund(authorization.reference, 2599, 'r1')).toEqual(refund);
    expect(refund.amount).toBe(2599);
    expect(processor.moved.refunds).toBe(1);
    await expect(processor.refund(authorization.reference, 1, 'r2')).rejects.toMatchObject({ code: 'INVALID_AMOUNT' });
    await expect(processor.refund('ch_not_ours', 1, 'r3')).rejects.toBeInstanceOf(ProcessorRequestError);

    // A charge captured before payments restarted (another ledger) can still be refunded.
    const afterRestart = new SimulatedCardProcessor();
    expect(await afterRestart.refund(authorization.reference, 2599, 'r1')).toEqual(refund);
  });
});

describe('payments configuration', () => {
  it('defaults the processor timeout and names a bad value', () => {
    expect(loadPaymentsConfig({})).toMatchObject({ service: 'payments', port: 4005, processorTimeoutMs: DEFAULT_PROCESSOR_TIMEOUT_MS });
    expect(DEFAULT_PROCESSOR_TIMEOUT_MS).toBe(3000);
    for (const value of ['0', '-5', 'soon', '1.5']) {
      let error: unknown;
      try {
        loadPaymentsConfig({ PAYMENT_PROCESSOR_TIMEOUT_MS: value });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues[0]).toMatch(/^PAYMENT_PROCESSOR_TIMEOUT_MS: /);
    }
  });
});
