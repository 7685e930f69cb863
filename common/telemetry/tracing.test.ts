import { TraceFlags, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpCollector } from '../../test/support/otlp-collector.ts';
import { ConfigError } from '../config.ts';
import { createLogger } from '../logger.ts';
import { loadTracingConfig } from './tracing-config.ts';
import { otlpTracesUrl, startTracing, type Tracing } from './tracing.ts';

let tracing: Tracing | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  tracing = undefined;
});

describe('tracing', () => {
  it('exports spans over OTLP/HTTP to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces, flushed on shutdown', async () => {
    const collector = await startOtlpCollector();
    try {
      tracing = startTracing(loadTracingConfig('catalog', { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint }));
      expect(tracing.enabled).toBe(true);
      trace.getTracer('test').startActiveSpan('work to export', (span) => span.end());
      await tracing.shutdown();
      tracing = undefined;
      expect(collector.received).toHaveLength(1);
      const [request] = collector.received;
      expect(request!.path).toBe('/v1/traces');
      expect(request!.contentType).toContain('application/json');
      expect(request!.body).toContain('"work to export"');
      expect(request!.body).toContain('"catalog"'); // service.name
    } finally {
      await collector.close();
    }
  });

  it('records nothing, and registers nothing, without an endpoint', () => {
    tracing = startTracing(loadTracingConfig('catalog', {}));
    expect(tracing.enabled).toBe(false);
    const span = trace.getTracer('test').startSpan('not recorded');
    expect(span.isRecording()).toBe(false);
    span.end();
  });

  it('drops background Prisma queries that have no parent span, keeps everything else', () => {
    const exporter = new InMemorySpanExporter();
    tracing = startTracing({ serviceName: 'orders', otlpEndpoint: undefined, sampleRatio: 1, exporter });
    const tracer = trace.getTracer('test');
    tracer.startSpan('prisma:client:operation').end();
    tracer.startActiveSpan('request', (request) => {
      tracer.startSpan('prisma:client:operation').end();
      request.end();
    });
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['prisma:client:operation', 'request']);
    expect(exporter.getFinishedSpans()[0]!.parentSpanContext?.spanId).toBe(exporter.getFinishedSpans()[1]!.spanContext().spanId);
  });

  it('OTEL_TRACES_SAMPLER_ARG=0 starts no trace of its own but follows a caller that sampled', () => {
    const exporter = new InMemorySpanExporter();
    tracing = startTracing({ ...loadTracingConfig('gateway', { OTEL_TRACES_SAMPLER_ARG: '0' }), exporter });
    const tracer = trace.getTracer('test');
    tracer.startSpan('new trace').end();
    const sampledCaller = trace.setSpanContext(context.active(), { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED, isRemote: true });
    tracer.startSpan('continued trace', {}, sampledCaller).end();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['continued trace']);
  });

  it('reads OTEL_SERVICE_NAME, and names a bad endpoint variable', () => {
    expect(loadTracingConfig('gateway', { OTEL_SERVICE_NAME: 'edge' }).serviceName).toBe('edge');
    expect(() => loadTracingConfig('gateway', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(ConfigError);
    expect(() => loadTracingConfig('gateway', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(loadTracingConfig('gateway', {}).sampleRatio).toBe(1);
    expect(() => loadTracingConfig('gateway', { OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
    expect(otlpTracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
  });
});

describe('logs inside a span', () => {
  it('carry its trace and span ids; outside a span, or with tracing off, they carry none', () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('orders', 'info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    log.info('before tracing');
    tracing = startTracing({ serviceName: 'orders', otlpEndpoint: undefined, sampleRatio: 1, exporter: new InMemorySpanExporter() });
    const ids = trace.getTracer('test').startActiveSpan('request', (span) => {
      log.child({ requestId: 'r-1' }).info('inside');
      span.end();
      return span.spanContext();
    });
    log.info('outside');
    expect(lines.map((line) => [line['msg'], line['traceId'], line['spanId']])).toEqual([
      ['before tracing', undefined, undefined],
      ['inside', ids.traceId, ids.spanId],
      ['outside', undefined, undefined],
    ]);
    expect(lines[1]).toMatchObject({ service: 'orders', requestId: 'r-1' });
  });
});
