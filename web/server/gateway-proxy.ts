import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, errorBody } from '../../common/errors.ts';
import { HttpError, sendJson } from '../../common/http/http-error.ts';
import { readBody } from '../../common/http/read-body.ts';
import type { Logger } from '../../common/logger.ts';
import { isTrustedProxy, normaliseAddress, type TrustedProxies } from '../../gateway/protection/client-ip.ts';
import { requestIdOf } from '../../gateway/request-id.ts';

export interface GatewayProxyOptions {
  /** The gateway's /graphql. */
  readonly gatewayUrl: string;
  /** Proxies in front of the storefront (a load balancer) whose X-Forwarded-For and x-request-id are kept. */
  readonly trustedProxies: TrustedProxies;
  /** MAX_BODY_BYTES, as every service: a larger request body is refused here (413 PAYLOAD_TOO_LARGE). */
  readonly maxBodyBytes: number;
  readonly log: Logger;
}

// Hop-by-hop headers belong to one connection, not to the message (RFC 9110 7.6.1); `expect` was
// answered by this server already. Forwarding headers are written here, never taken from a browser.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'transfer-encoding', 'upgrade', 'te', 'trailer']);
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', 'expect', 'content-length', 'x-forwarded-for', 'x-request-id']);

const endToEnd = (headers: IncomingHttpHeaders, dropped: ReadonlySet<string>) => {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !dropped.has(name) && !named.has(name)));
};

/**
 * The chain the gateway reads from the right: the browser's address appended to what a trusted
 * proxy in front of us wrote. A browser's own X-Forwarded-For is dropped, so it can never name a
 * rate-limit budget, even when its address is one the gateway trusts (a browser on the storefront's host).
 */
const forwardedFor = (req: IncomingMessage, trustedProxies: TrustedProxies) => {
  const peer = normaliseAddress(req.socket.remoteAddress ?? '') ?? 'unknown';
  const before = isTrustedProxy(req, trustedProxies) ? [req.headers['x-forwarded-for'] ?? []].flat().join(', ').trim() : '';
  return before ? `${before}, ${peer}` : peer;
};

/**
 * Forwards a request to the gateway and streams its answer back as it is (status, headers, body,
 * part by part for multipart subscriptions and @defer). The storefront answers for itself only when
 * the gateway cannot be reached (502 SERVICE_UNAVAILABLE) and, as every service, to a body over
 * MAX_BODY_BYTES (413 PAYLOAD_TOO_LARGE).
 */
export function createGatewayProxy({ gatewayUrl, trustedProxies, maxBodyBytes, log }: GatewayProxyOptions) {
  const gateway = new URL(gatewayUrl);
  const https = gateway.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  const agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });

  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = requestIdOf(req, trustedProxies);
    // The body is read whole, then sent in one write with the head. The gateway may refuse a request
    // before reading its body (413, an early 401) and close the connection: a body streamed in pieces
    // would then be written into a closed connection (EPIPE) and the refusal, already received, lost.
    let body: Buffer | undefined;
    try {
      const text = await readBody(req, maxBodyBytes);
      body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.from(text);
    } catch (error) {
      if (error instanceof HttpError) return sendJson(res, error.status, errorBody(error.code, error.message), { 'x-request-id': requestId });
      return log.debug({ requestId }, 'the browser left while sending its request');
    }
    const target = new URL(gateway);
    // The query string carries GET operations (a persisted document by id, the cacheable kind).
    target.search = new URL(req.url ?? '/', 'http://storefront').search;
    const headers: OutgoingHttpHeaders = {
      ...endToEnd(req.headers, NOT_FORWARDED),
      host: gateway.host,
      'x-forwarded-for': forwardedFor(req, trustedProxies),
      'x-request-id': requestId,
      ...(body ? { 'content-length': String(body.length) } : {}),
    };
    const upstream = send(target, { method: req.method, agent, headers });
    let answered = false;
    let browserLeft = false;

    upstream.on('response', (answer) => {
      answered = true;
      // The id is the gateway's too (it trusts ours): said on refusals the gateway answers without one.
      res.writeHead(answer.statusCode ?? 502, { 'x-request-id': requestId, ...endToEnd(answer.headers, HOP_BY_HOP) });
      // Streams part by part (a subscription's results arrive as they happen).
      res.flushHeaders();
      pipeline(answer, res).catch((error: unknown) => {
        if (browserLeft) return log.debug({ requestId }, 'the browser left during the answer');
        log.warn({ requestId, reason: reasonOf(error) }, 'the gateway ended its answer early');
      });
    });

    upstream.on('error', (error) => {
      if (browserLeft) return log.debug({ requestId }, 'the browser left before the answer');
      // Once answering, the answer's own stream reports how it ended.
      if (answered) return;
      log.warn({ requestId, gateway: gateway.origin, reason: reasonOf(error) }, 'gateway unreachable');
      sendJson(res, 502, errorBody(ErrorCode.serviceUnavailable, 'The shop is unreachable right now.'), { 'x-request-id': requestId });
    });

    // A browser leaving the page (or aborting a fetch) ends the request upstream too: not an error.
    res.on('close', () => {
      if (res.writableFinished) return;
      browserLeft = true;
      upstream.destroy();
    });
    upstream.end(body);
  };

  return Object.assign((req: IncomingMessage, res: ServerResponse) => void forward(req, res), { close: () => agent.destroy() });
}

const reasonOf = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code ?? (error instanceof Error ? error.message : String(error));
