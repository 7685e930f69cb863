import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** The proxies the operator trusts to set forwarding headers: addresses and CIDR ranges, IPv4 and IPv6. */
export interface TrustedProxies {
  has(address: string): boolean;
}

/** An address as written in a header or by the socket: IPv4-mapped IPv6, brackets and ports removed; undefined when not an IP. */
export function normaliseAddress(written: string): string | undefined {
  let address = written.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1] as string;
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(address);
  if (withPort) address = withPort[1] as string;
  address = address.replace(/^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i, '$1');
  return isIP(address) === 0 ? undefined : address;
}

/**
 * Parses TRUSTED_PROXIES (comma-separated addresses or CIDR ranges, e.g. `10.0.0.0/8,::1,fd00::/8`).
 * Throws naming the entries that are neither.
 */
export function parseTrustedProxies(list: string): TrustedProxies {
  const blockList = new BlockList();
  const invalid: string[] = [];
  for (const entry of list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const [written = '', prefixText, ...rest] = entry.split('/');
    const address = normaliseAddress(written);
    const family = address && isIP(address) === 6 ? 'ipv6' : 'ipv4';
    const prefix = prefixText === undefined ? undefined : Number(prefixText);
    const maxPrefix = family === 'ipv6' ? 128 : 32;
    if (!address || rest.length > 0 || (prefix !== undefined && (!/^\d+$/.test(prefixText ?? '') || prefix > maxPrefix))) {
      invalid.push(entry);
      continue;
    }
    if (prefix === undefined) blockList.addAddress(address, family);
    else blockList.addSubnet(address, prefix, family);
  }
  if (invalid.length > 0) throw new Error(`not an address or CIDR range: ${invalid.join(', ')}`);
  return {
    has(written) {
      const address = normaliseAddress(written);
      return address !== undefined && blockList.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

const peerOf = (req: IncomingMessage) => normaliseAddress(req.socket.remoteAddress ?? '') ?? 'unknown';

/** Whether the socket's peer is a proxy the operator trusts to set forwarding headers. */
export const isTrustedProxy = (req: IncomingMessage, trustedProxies: TrustedProxies): boolean => trustedProxies.has(peerOf(req));

/**
 * The caller's address. Proxies append the address they received from, so X-Forwarded-For is read
 * from the right: each entry a trusted proxy appended is skipped, and the first address that is not
 * a trusted proxy is the client (everything to its left the client may have written itself). With
 * an untrusted peer the header is ignored. A malformed entry ends the walk at the hop that passed it.
 */
export function clientIp(req: IncomingMessage, trustedProxies: TrustedProxies): string {
  let client = peerOf(req);
  if (!trustedProxies.has(client)) return client;
  const header = req.headers['x-forwarded-for'];
  const entries = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  for (let index = entries.length - 1; index >= 0; index -= 1) {
    const written = entries[index]?.trim() ?? '';
    if (written === '') continue;
    const address = normaliseAddress(written);
    if (!address) return client;
    client = address;
    if (!trustedProxies.has(address)) return client;
  }
  return client;
}
