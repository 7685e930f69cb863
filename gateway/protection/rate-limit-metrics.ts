import { Counter, type Registry } from 'prom-client';

/** Refusals by budget: `request` (per user or IP) and `auth` (log-in and sign-up). */
export const createRateLimitMetrics = (registry: Registry) =>
  new Counter({ name: 'gateway_rate_limited_total', help: 'Requests refused with RATE_LIMITED, by budget.', labelNames: ['budget'] as const, registers: [registry] });
export type RateLimitMetrics = ReturnType<typeof createRateLimitMetrics>;
