// Every duration the tests wait for, or give a service, in one place, sized for a loaded CI machine
// (2 cores shared with other work: a statement, a message hop or a whole saga can take seconds).
// A deadline here is how long to wait for a condition before failing, never how long something
// should take: a passing test stops waiting as soon as its condition holds, so generous costs nothing.
// Tests assert outcomes (invariants); only the tests of a timeout path itself make a timeout short,
// and those do not race anything (see orders.test.ts: the step deadline is moved, not raced).
export const testTiming = {
  /** vitest's bound on one test, and on one hook (a hook may start a whole supergraph). */
  testTimeoutMs: 180_000,
  hookTimeoutMs: 300_000,
  /** `waitFor`'s default deadline for a condition (an order to settle, a message to arrive). */
  conditionMs: 60_000,
  /** How late a timer may fire on a loaded machine: the slack on a check that a bound was kept. */
  timerSlackMs: 2_000,
  /** After this long, something that has not happened is taken as not happening (the negative checks). */
  quietMs: 500,
  /** SAGA_STEP_TIMEOUT_MS: far longer than a reserve or charge needs on a loaded machine, so no order times out by accident. */
  sagaStepTimeoutMs: 120_000,
  /** SAGA_SWEEP_INTERVAL_MS: how soon an overdue step is noticed. */
  sagaSweepIntervalMs: 200,
  /** PAYMENT_PROCESSOR_TIMEOUT_MS: how long `tok_processorTimeout` takes to fail (the simulated processor answers every other token at once). */
  paymentProcessorTimeoutMs: 1_000,
  /** The gateway's SUBGRAPH_TIMEOUT_MS: a subgraph under load still answers in time. */
  subgraphTimeoutMs: 60_000,
  /** DB_ACQUIRE_TIMEOUT_MS: transactions on a busy embedded PGlite queue this long (below the subgraph timeout). */
  databaseAcquireTimeoutMs: 45_000,
  /**
   * A bus consumer's retries of a message that cannot be handled yet (e.g. a refund waiting for its
   * charge): quick at first, then backing off exponentially (common/messaging/backoff.ts), so the 20
   * attempts the buses allow span minutes.
   */
  consumerRetries: { maxAttempts: 20, retryDelayMs: 20 },
} as const;

/** The service settings above, as the environment of a test supergraph (a test may override any). */
export const loadSizedServiceEnv = (): Record<string, string> => ({
  SAGA_STEP_TIMEOUT_MS: String(testTiming.sagaStepTimeoutMs),
  SAGA_SWEEP_INTERVAL_MS: String(testTiming.sagaSweepIntervalMs),
  PAYMENT_PROCESSOR_TIMEOUT_MS: String(testTiming.paymentProcessorTimeoutMs),
  SUBGRAPH_TIMEOUT_MS: String(testTiming.subgraphTimeoutMs),
  DB_ACQUIRE_TIMEOUT_MS: String(testTiming.databaseAcquireTimeoutMs),
  // Password hashes of the users tests sign up at scrypt's lowest cost we accept (production refuses it):
  // the checks are the same, the CPU ~20x less. The demo users keep production's cost.
  PASSWORD_SCRYPT_COST: '1024',
});
