import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../common/logger.ts';
import type { GatewayFeature } from './feature.ts';
import { requestIdPlugin } from './plugins/request-id-plugin.ts';
import { clientIp, isTrustedProxy, type TrustedProxies } from './protection/client-ip.ts';

// Long enough for the ids proxies make (UUIDs, AWS trace ids, nginx's 32 hex digits); nothing that
// could break a log line or a header.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:=+/-]{8,128}$/;

/**
 * The request's id for logs, subgraphs and messages: the `x-request-id` a trusted proxy sent (so one
 * id follows the request from the edge), otherwise a new UUID. A client's own header is ignored.
 */
export function requestIdOf(req: IncomingMessage, trustedProxies: TrustedProxies): string {
  // One id per request, however many parts ask (the response header, the context, a subscription).
  const known = assigned.get(req);
  if (known !== undefined) return known;
  const id = chosenId(req, trustedProxies);
  assigned.set(req, id);
  return id;
}

const assigned = new WeakMap<IncomingMessage, string>();

function chosenId(req: IncomingMessage, trustedProxies: TrustedProxies): string {
  if (!isTrustedProxy(req, trustedProxies)) return randomUUID();
  const header = req.headers['x-request-id'];
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && ACCEPTABLE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}

export interface RequestIdFeature extends GatewayFeature {
  /** The request's id (the same for every part that asks): for the HTTP service's header and the subscription transports. */
  readonly of: (req: IncomingMessage) => string;
}

/** The request id: in the context (with a logger that carries it, and the client's address) and echoed on the response. Always on. */
export function createRequestId(settings: { readonly trustedProxies: TrustedProxies }, { log }: { readonly log: Logger }): RequestIdFeature {
  const of = (req: IncomingMessage): string => requestIdOf(req, settings.trustedProxies);
  return {
    name: 'request-id',
    of,
    // The client's address too: every feature that keys by caller (rate limits, cost budgets) reads it.
    context: (req) => {
      const requestId = of(req);
      return { requestId, log: log.child({ requestId }), clientIp: clientIp(req, settings.trustedProxies) };
    },
    apolloPlugins: [requestIdPlugin()],
  };
}
