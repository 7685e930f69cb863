import { z } from 'zod';
import { parseEnv, url } from '../config.ts';

export interface TracingConfig {
  /** `service.name` of every span this process exports. */
  readonly serviceName: string;
  /** OTLP/HTTP base URL; unset: no tracing at all. */
  readonly otlpEndpoint: string | undefined;
  /** Share of new traces recorded (0-1); a request that arrives with a sampling decision keeps it. */
  readonly sampleRatio: number;
}

/** The standard OpenTelemetry variables; `defaultServiceName` is the entry point's own name. */
export function loadTracingConfig(defaultServiceName: string, env: Record<string, string | undefined> = process.env): TracingConfig {
  const parsed = parseEnv(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: url()
        .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
        .optional()
        .meta({
          description:
            'OTLP/HTTP base URL of a collector, e.g. `http://otel-collector:4318`; spans are posted (JSON, batched) to `<endpoint>/v1/traces`. The SDK itself reads `OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_HEADERS` and the like',
          unset: 'unset: no tracing at all',
        }),
      OTEL_SERVICE_NAME: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'the `service.name` resource attribute of its spans', unset: "the service's name (`npm start`: `commerce-supergraph`)" }),
      // The standard variable's ratio; the sampler itself is always parent-based ratio sampling.
      OTEL_TRACES_SAMPLER_ARG: z.coerce
        .number()
        .min(0)
        .max(1)
        .default(1)
        .describe('share of new traces recorded (0-1, by trace id); a request whose `traceparent` carries a sampling decision keeps it'),
    },
    env,
  );
  return {
    serviceName: parsed.OTEL_SERVICE_NAME ?? defaultServiceName,
    otlpEndpoint: parsed.OTEL_EXPORTER_OTLP_ENDPOINT,
    sampleRatio: parsed.OTEL_TRACES_SAMPLER_ARG,
  };
}
