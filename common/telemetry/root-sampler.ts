import { SamplingDecision, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace-base';

/**
 * Root sampler: keeps `ratio` of new traces (by trace id, so every service decides alike) and never
 * starts one at a Prisma span. A Prisma span with no parent comes from a background poll (the outbox
 * relay, the saga timeout sweeper) several times a second; recording each as a trace of its own would
 * drown the traces people look for. Prisma spans under a request or a message handler follow their parent.
 */
export function rootSampler(ratio: number): Sampler {
  const byTraceId = new TraceIdRatioBasedSampler(ratio);
  return {
    shouldSample: (context, traceId, spanName) => (spanName.startsWith('prisma:') ? { decision: SamplingDecision.NOT_RECORD } : byTraceId.shouldSample(context, traceId)),
    toString: () => `RootSampler{ratio=${ratio}, no orphan Prisma spans}`,
  };
}
