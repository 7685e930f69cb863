import type { Budget } from '../protection/rate-limiter.ts';

export const COST_MODES = ['enforce', 'measure', 'off'] as const;
export type CostMode = (typeof COST_MODES)[number];

/** Demand control (docs/protection.md, "Demand control"): MAX_QUERY_COST*, COST_*. */
export interface DemandControlSettings {
  /** `enforce`: refuse over maxCost; `measure`: log and count only; `off`: no demand control at all. */
  readonly mode: CostMode;
  /** The most an operation may be estimated to cost. */
  readonly maxCost: number;
  /** The size assumed for a list the schema gives no `@listSize` for. */
  readonly defaultListSize: number;
  /** `extensions.cost` and the `cost-*` response headers. */
  readonly expose: boolean;
  /** Budgets of actual cost per window, per signed-in user and per address; undefined: none. */
  readonly budget:
    | {
        readonly user: Budget;
        readonly anonymous: Budget;
        readonly redisUrl: string | undefined;
        readonly keyPrefix: string;
      }
    | undefined;
}
