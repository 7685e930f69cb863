import type { SubscriptionMetrics } from './subscription-metrics.ts';

export interface SubscriptionSlot {
  /** Gives the slot back; once, however often it is called. */
  release(): void;
}

export interface SubscriptionSlots {
  /** A slot of `userId`'s, or undefined when the user holds `maxPerUser` already. */
  take(userId: string): SubscriptionSlot | undefined;
  /** Subscriptions open now, over every transport. */
  count(): number;
}

/**
 * The per-user subscription budget of one gateway instance, shared by the WebSocket and the
 * multipart HTTP transports, so a user cannot double it by using both.
 */
export function createSubscriptionSlots(maxPerUser: number, metrics: Pick<SubscriptionMetrics, 'subscriptions'>): SubscriptionSlots {
  const perUser = new Map<string, number>();
  let open = 0;
  return {
    take(userId) {
      const held = perUser.get(userId) ?? 0;
      if (held >= maxPerUser) return undefined;
      perUser.set(userId, held + 1);
      open += 1;
      metrics.subscriptions.inc();
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          const left = (perUser.get(userId) ?? 1) - 1;
          if (left > 0) perUser.set(userId, left);
          else perUser.delete(userId);
          open -= 1;
          metrics.subscriptions.dec();
        },
      };
    },
    count: () => open,
  };
}
