import { SamplingDecision, type Sampler } from '@opentelemetry/sdk-trace-base';

/**
 * Root sampler: a Prisma span with no parent comes from a background poll (the outbox relay, the saga
 * timeout sweeper) several times a second; recording each as its own trace would drown the traces
 * people look for. Prisma spans under a request or a message handler are kept by the parent.
 */
export const dropOrphanDatabaseSpans: Sampler = {
  shouldSample: (_context, _traceId, spanName) => ({
    decision: spanName.startsWith('prisma:') ? SamplingDecision.NOT_RECORD : SamplingDecision.RECORD_AND_SAMPLED,
  }),
  toString: () => 'DropOrphanDatabaseSpans',
};
