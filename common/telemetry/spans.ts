// The spans we make ourselves: one SERVER span per GraphQL request a service receives (a child of the
// caller's span when the request carries W3C `traceparent`), and one CONSUMER span per message handled
// (a child of the span that created the message). Every other span comes from @apollo/gateway and Prisma.
import type { IncomingMessage } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Context, type Span, type SpanOptions } from '@opentelemetry/api';
import type { Envelope } from '../messaging/envelope.ts';

// Looked up per span, not cached: a tracer cached from a provider that was shut down (tests start tracing again) records nothing.
const tracer = () => trace.getTracer('commerce-supergraph');

/** Which of our services made a span: all seven subgraphs and the gateway can share one process (`npm start`, tests). */
export const SERVICE_ATTRIBUTE = 'commerce.service';

/** Runs `work` in a new active span under `parent`; a throw marks the span failed; the span always ends. */
function inSpan<T>(name: string, options: SpanOptions, parent: Context, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, options, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Runs `handle` as the SERVER span of an incoming HTTP request; `handle` reports the status it sent. */
export function traceIncomingRequest<T>(req: IncomingMessage, service: string, handle: (span: Span) => Promise<T>): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const method = req.method ?? 'GET';
  const attributes = { [SERVICE_ATTRIBUTE]: service, 'http.request.method': method, 'url.path': path };
  return inSpan(`${method} ${path}`, { kind: SpanKind.SERVER, attributes }, parent, handle);
}

/** `headers` plus the active span's `traceparent` (and `tracestate`), replacing any carried from elsewhere. */
export function withTraceContext(headers: Readonly<Record<string, string>>): Record<string, string> {
  const carrier = { ...headers };
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Runs a message handler as the CONSUMER span of `message`, a child of the span that created it. */
export function traceMessageHandling<T>(queue: string, message: Envelope, system: string, handle: () => Promise<T>): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, message.headers);
  const attributes = {
    'messaging.system': system,
    'messaging.operation.type': 'process',
    'messaging.destination.name': queue,
    'messaging.message.id': message.id,
    'messaging.rabbitmq.destination.routing_key': message.routingKey,
    'message.type': message.type,
  };
  return inSpan(`process ${message.routingKey}`, { kind: SpanKind.CONSUMER, attributes }, parent, () => handle());
}
