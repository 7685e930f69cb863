// The storefront's proxy and the session cookie (docs/sessions.md): the browser's Cookie reaches
// the gateway, and every Set-Cookie the gateway answers with reaches the browser, each whole.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../common/logger.ts';
import { parseTrustedProxies } from '../gateway/protection/client-ip.ts';
import { createGatewayProxy } from '../web/server/gateway-proxy.ts';

const COOKIES = ['session_refresh=abc; Path=/graphql; Expires=Wed, 21 Oct 2037 07:28:00 GMT; HttpOnly; SameSite=Strict', 'other=1; Path=/'];
const received: IncomingHttpHeaders[] = [];
let gateway: Server;
let storefront: Server;
let proxy: ReturnType<typeof createGatewayProxy>;
let url: string;

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  gateway = createServer((req, res) => {
    received.push(req.headers);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': COOKIES });
    res.end('{"data":{"refreshSession":{"token":"t"}}}');
  });
  const gatewayUrl = `${await listen(gateway)}/graphql`;
  proxy = createGatewayProxy({ gatewayUrl, trustedProxies: parseTrustedProxies(''), maxBodyBytes: 10_000, log: createLogger('storefront', 'silent') });
  storefront = createServer(proxy);
  url = `${await listen(storefront)}/graphql`;
});
afterAll(async () => {
  proxy.close();
  await Promise.all([gateway, storefront].map((server) => new Promise((resolve) => server.close(resolve))));
});

it('forwards the browser’s Cookie and passes every Set-Cookie back, none merged', async () => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: 'session_refresh=abc; theme=dark' },
    body: JSON.stringify({ query: 'mutation { refreshSession { token } }' }),
  });
  expect(response.status).toBe(200);
  expect(received.at(-1)?.cookie).toBe('session_refresh=abc; theme=dark');
  expect(response.headers.getSetCookie()).toEqual(COOKIES);
});
