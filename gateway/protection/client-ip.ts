import type { IncomingMessage } from 'node:http';

const normalise = (address: string) => address.replace(/^::ffff:/, '');

/** Whether the socket's peer is a proxy the operator trusts to set forwarding headers. */
export const isTrustedProxy = (req: IncomingMessage, trustedProxies: ReadonlySet<string>): boolean =>
  trustedProxies.has(normalise(req.socket.remoteAddress ?? 'unknown'));

/**
 * The caller's address: the socket's peer, or the left-most X-Forwarded-For entry when (and
 * only when) the peer is a proxy the operator trusts; a client cannot pick its own address.
 */
export function clientIp(req: IncomingMessage, trustedProxies: ReadonlySet<string>): string {
  const peer = normalise(req.socket.remoteAddress ?? 'unknown');
  if (!trustedProxies.has(peer)) return peer;
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return first ? normalise(first) : peer;
}
