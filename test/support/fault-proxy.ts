import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultMode = { kind: 'pass' } | { kind: 'slow'; delayMs: number } | { kind: 'lose-responses' };

export interface FaultProxy {
  readonly url: string;
  /** Requests forwarded to the target, with their bodies. */
  readonly received: string[];
  setMode(mode: FaultMode): void;
  close(): Promise<void>;
}

const bodyOf = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/**
 * An HTTP proxy in front of one subgraph that can make it slow, or make it do the work and lose
 * the answer (the connection drops after the subgraph has handled the request): the failures a
 * gateway must survive without retrying what is not safe to retry.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let mode: FaultMode = { kind: 'pass' };
  const received: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    received.push(body);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
    const upstream = await fetch(new URL(req.url ?? '/', target), { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) });
    const text = await upstream.text();
    if (mode.kind === 'lose-responses') {
      req.socket.destroy();
      return;
    }
    if (mode.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, (mode as { delayMs: number }).delayMs));
    if (res.destroyed) return;
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    setMode: (next) => {
      mode = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
