// A TCP proxy in front of the shared RabbitMQ, so a test can take the broker away from one bus only:
// drop its connections (as a network failure or a broker crash does), refuse new ones for a while
// (an outage), then accept them again (the broker is back), without touching anybody else's.
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Destroys every proxied connection, both sides. */
  dropConnections(): void;
  /** Stops accepting (connection attempts are refused) and drops the current connections. */
  goDown(): Promise<void>;
  /** Accepts again, on the same port. */
  comeBack(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server = createServer();
  await listen(server, 0);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  const port = address.port;

  function createServer(): net.Server {
    return net.createServer((client) => {
      const upstream = net.connect(target);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => {
          sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
  }

  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      dropConnections();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  return {
    port,
    dropConnections,
    goDown: stop,
    async comeBack() {
      server = createServer();
      await listen(server, port);
    },
    close: stop,
  };
}

function listen(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
