import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseTrustedProxies } from './protection/client-ip.ts';
import { requestIdOf } from './request-id.ts';

const requestFrom = (remoteAddress: string, requestId?: string) =>
  ({ socket: { remoteAddress }, headers: requestId === undefined ? {} : { 'x-request-id': requestId } }) as unknown as IncomingMessage;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const proxies = parseTrustedProxies('10.0.0.5');

describe('request ids', () => {
  it('takes x-request-id from a trusted proxy (IPv4-mapped address too)', () => {
    expect(requestIdOf(requestFrom('10.0.0.5', 'edge-7f3a9c21'), proxies)).toBe('edge-7f3a9c21');
    expect(requestIdOf(requestFrom('::ffff:10.0.0.5', 'Root=1-67891233-abcdef012345678912345678'), proxies)).toBe('Root=1-67891233-abcdef012345678912345678');
  });

  it("ignores a client's own x-request-id", () => {
    const id = requestIdOf(requestFrom('203.0.113.9', 'chosen-by-the-client'), proxies);
    expect(id).not.toBe('chosen-by-the-client');
    expect(id).toMatch(UUID);
  });

  it('makes a new id when the proxy sent none, or one too short, too long or with unsafe characters', () => {
    for (const header of [undefined, 'short', 'x'.repeat(129), 'has space in it', 'line\nbreak-0001', '{"json":1}']) {
      expect(requestIdOf(requestFrom('10.0.0.5', header), proxies)).toMatch(UUID);
    }
  });
});

describe('request ids behind a trusted range', () => {
  it('believes any peer in a trusted CIDR range, IPv4 or IPv6, and no peer outside it', () => {
    const ranges = parseTrustedProxies('10.0.0.0/8,fd00::/8');
    expect(requestIdOf(requestFrom('10.20.30.40', 'edge-7f3a9c21'), ranges)).toBe('edge-7f3a9c21');
    expect(requestIdOf(requestFrom('fd00::1:2', 'edge-7f3a9c22'), ranges)).toBe('edge-7f3a9c22');
    expect(requestIdOf(requestFrom('11.0.0.1', 'edge-7f3a9c23'), ranges)).toMatch(UUID);
  });
});
