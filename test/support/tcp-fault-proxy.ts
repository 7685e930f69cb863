import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * - `reset`: every open connection is reset and each new one is reset on arrival, as when the
 *   server went away or a firewall rejects: clients fail at once.
 * - `blackhole`: connections, new ones too, stay open but no byte goes through, as in a network
 *   partition without a reset: a client waits for an answer that does not come.
 * - `vanish`: like `blackhole`, but the connections open during the fault never carry a byte again,
 *   even after `restore()`, as when the server's host died without a reset: only new connections work.
 */
export type TcpFault = 'reset' | 'blackhole' | 'vanish';

export interface TcpFaultProxy {
  readonly host: string;
  readonly port: number;
  /** Starts the fault; until `restore()`, it applies to open and new connections alike. */
  cut(fault: TcpFault): void;
  /** Passes bytes again; what a blackhole held is delivered, as when a partition heals. */
  restore(): void;
  /** Resets every connection and stops listening. */
  close(): Promise<void>;
}

/** One client connection and the connection the proxy opened to the target for it. */
interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Bytes a blackhole swallowed, per direction, in order. */
  readonly held: { readonly toUpstream: Buffer[]; readonly toClient: Buffer[] };
  /** Open during a `vanish`: silent for good. */
  dead: boolean;
}

const reset = (socket: Socket) => {
  if (!socket.destroyed) socket.resetAndDestroy();
};

/**
 * A TCP proxy in front of a server (a database, a broker) that can cut the connection the ways a
 * network fails. Unlike the HTTP `startFaultProxy`, it knows nothing of the protocol it carries.
 */
export async function startTcpFaultProxy(target: { readonly host: string; readonly port: number }): Promise<TcpFaultProxy> {
  let fault: TcpFault | undefined;
  const links = new Set<Link>();

  const forward = (link: Link, from: Socket, to: Socket, held: Buffer[]) =>
    from.on('data', (chunk: Buffer) => {
      if (fault === 'vanish') link.dead = true;
      if (link.dead) return;
      // No backpressure: tests send little, and a held chunk must keep its place in the stream.
      if (fault === 'blackhole') held.push(chunk);
      else to.write(chunk);
    });

  const server: Server = createServer((client) => {
    if (fault === 'reset') {
      reset(client);
      return;
    }
    const upstream = connect(target.port, target.host);
    const link: Link = { client, upstream, held: { toUpstream: [], toClient: [] }, dead: fault === 'vanish' };
    links.add(link);
    forward(link, client, upstream, link.held.toUpstream);
    forward(link, upstream, client, link.held.toClient);
    // Closing passes through as it would on a direct connection: a graceful end after what was
    // written (a server's last error message included), an error as an abrupt close.
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.on('end', () => to.end());
      from.on('error', () => to.destroy());
      from.on('close', () => {
        links.delete(link);
        to.end();
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const resetAll = () => {
    for (const link of links) {
      reset(link.client);
      link.upstream.destroy();
    }
    links.clear();
  };

  return {
    host: '127.0.0.1',
    port,
    cut(next) {
      fault = next;
      if (next === 'reset') resetAll();
      if (next === 'vanish') for (const link of links) link.dead = true;
    },
    restore() {
      fault = undefined;
      for (const { client, upstream, held } of links) {
        if (held.toUpstream.length > 0) upstream.write(Buffer.concat(held.toUpstream.splice(0)));
        if (held.toClient.length > 0) client.write(Buffer.concat(held.toClient.splice(0)));
      }
    },
    close: () =>
      new Promise((resolve) => {
        resetAll();
        server.close(() => resolve());
      }),
  };
}
