import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientIp, isTrustedProxy, parseTrustedProxies } from './client-ip.ts';

const requestFrom = (remoteAddress: string, forwardedFor?: string | string[]) =>
  ({ socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('trusted proxies', () => {
  it('takes addresses and CIDR ranges, IPv4 and IPv6', () => {
    const proxies = parseTrustedProxies(' 10.0.0.0/8, 192.168.1.7 ,fd00::/8, ::1');
    for (const address of ['10.1.2.3', '::ffff:10.200.0.1', '192.168.1.7', 'fd12:3456::1', '::1', '[::1]:4321']) expect(proxies.has(address), address).toBe(true);
    for (const address of ['11.0.0.1', '192.168.1.8', 'fe80::1', '::2', 'not-an-ip', '']) expect(proxies.has(address), address).toBe(false);
  });

  it('names the entries that are neither an address nor a range', () => {
    expect(() => parseTrustedProxies('10.0.0.1,proxy.internal,10.0.0.0/33,::1/129,1.2.3.4/8/9')).toThrow(
      'not an address or CIDR range: proxy.internal, 10.0.0.0/33, ::1/129, 1.2.3.4/8/9',
    );
  });
});

describe('client address', () => {
  const proxies = parseTrustedProxies('10.0.0.0/8,2001:db8:1::/48');

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(clientIp(requestFrom('203.0.113.9', '198.51.100.1'), proxies)).toBe('203.0.113.9');
    expect(isTrustedProxy(requestFrom('203.0.113.9'), proxies)).toBe(false);
  });

  it('takes the right-most address that is not a trusted proxy, whatever the client wrote to its left', () => {
    expect(clientIp(requestFrom('10.0.0.5', '198.51.100.1, 203.0.113.7'), proxies)).toBe('203.0.113.7');
    expect(clientIp(requestFrom('10.0.0.5', 'spoofed, 1.1.1.1, 203.0.113.7, 10.9.9.9, 10.0.0.6'), proxies)).toBe('203.0.113.7');
    expect(clientIp(requestFrom('::ffff:10.0.0.5', ['1.1.1.1, 203.0.113.7', '10.3.3.3']), proxies)).toBe('203.0.113.7');
    expect(clientIp(requestFrom('2001:db8:1::5', '2001:db8:ffff::7, 2001:db8:1::9'), proxies)).toBe('2001:db8:ffff::7');
    expect(clientIp(requestFrom('10.0.0.5', '[2001:db8:ffff::8]:443'), proxies)).toBe('2001:db8:ffff::8');
    expect(clientIp(requestFrom('10.0.0.5', '203.0.113.7:5123'), proxies)).toBe('203.0.113.7');
  });

  it('stops at the hop that passed a malformed entry, and uses the peer without a header', () => {
    expect(clientIp(requestFrom('10.0.0.5', '203.0.113.7, garbage'), proxies)).toBe('10.0.0.5');
    expect(clientIp(requestFrom('10.0.0.5', 'garbage, 10.0.0.9'), proxies)).toBe('10.0.0.9');
    expect(clientIp(requestFrom('10.0.0.5'), proxies)).toBe('10.0.0.5');
    // Only trusted hops: the furthest one is the best we know.
    expect(clientIp(requestFrom('10.0.0.5', '10.0.0.8, 10.0.0.9'), proxies)).toBe('10.0.0.8');
  });
});
