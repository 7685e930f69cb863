// The defaults and limits of `MessageBus.consume`, checked the same way by both buses.
import { z } from 'zod';
import type { ConsumeOptions } from './message-bus.ts';

export interface ResolvedConsumeOptions {
  readonly prefetch: number;
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
  readonly transient: boolean;
}

const optionsSchema = z.object({
  prefetch: z.int().min(1).max(65_535).default(10),
  // RabbitMQ gets a retry queue per attempt (see amqp-topology.ts): keep that number sane.
  maxAttempts: z.int().min(1).max(20).default(5),
  retryDelayMs: z.number().min(0).max(3_600_000).default(200),
  transient: z.boolean().default(false),
});

// AMQP allows more, but these survive every tool (management UI, rabbitmqctl, policies' regexes).
const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

export function resolveConsumeOptions(options: ConsumeOptions = {}): ResolvedConsumeOptions {
  const result = optionsSchema.safeParse(options);
  if (!result.success) throw new RangeError(`Invalid ConsumeOptions: ${z.prettifyError(result.error)}`);
  return result.data;
}

export function assertConsumable(queue: string, bindings: readonly string[]): void {
  if (!QUEUE_NAME.test(queue)) throw new RangeError(`Invalid queue name ${JSON.stringify(queue)}: letters, digits, ".", "_", ":", "-"`);
  if (bindings.length === 0 || bindings.some((pattern) => pattern.length === 0 || pattern.length > 255)) {
    throw new RangeError(`Queue ${queue} needs at least one binding pattern, each 1-255 characters`);
  }
}
