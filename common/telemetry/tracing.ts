// OpenTelemetry for one process: a tracer provider registered globally (the gateway's own spans from
// @apollo/gateway, ours, and Prisma's through @prisma/instrumentation all go to it), W3C trace context
// as the propagator, and spans exported over OTLP/HTTP when an endpoint is configured. Without an
// endpoint nothing is registered: the OpenTelemetry API stays a no-op and costs nothing.
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import { rootSampler } from './root-sampler.ts';
import type { TracingConfig } from './tracing-config.ts';

export interface TracingOptions extends TracingConfig {
  /** Spans go here as each ends, instead of OTLP (tests use an InMemorySpanExporter). */
  readonly exporter?: SpanExporter;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /**
   * Flushes, then unregisters everything. Once per process: @apollo/gateway keeps the tracer it got
   * from the first provider, so tracing started again in the same process would miss its spans.
   */
  shutdown(): Promise<void>;
}

const disabled: Tracing = { enabled: false, flush: async () => {}, shutdown: async () => {} };

/** OTLP's rule for the base endpoint variable: traces go to `<endpoint>/v1/traces`. */
export const otlpTracesUrl = (endpoint: string) => `${endpoint.replace(/\/+$/, '')}/v1/traces`;

export function startTracing(options: TracingOptions): Tracing {
  const { exporter, otlpEndpoint } = options;
  if (!exporter && !otlpEndpoint) return disabled;
  const spanProcessor = exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesUrl(otlpEndpoint as string) }));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    // A request or message that arrives with a sampling decision keeps it (W3C trace flags).
    sampler: new ParentBasedSampler({ root: rootSampler(options.sampleRatio) }),
    spanProcessors: [spanProcessor],
  });
  // Also installs the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  const prisma = new PrismaInstrumentation();
  prisma.setTracerProvider(provider);
  prisma.enable();
  return {
    enabled: true,
    flush: () => provider.forceFlush(),
    async shutdown() {
      prisma.disable();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
