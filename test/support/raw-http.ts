import { connect } from 'node:net';

export interface RawExchange {
  /** Everything the server sent on the connection. */
  readonly received: string;
  /** Whether the server ended the connection before the deadline. */
  readonly closedByServer: boolean;
}

/**
 * Speaks HTTP/1.1 on one raw TCP connection, as a hand-written client or an attacker would: sends
 * `first`, waits until a whole response head has arrived, then sends `then` on the same connection
 * and waits for the server to end it (up to `deadlineMs`).
 */
export function exchangeOnOneConnection(url: string, first: (string | Buffer)[], then: string, deadlineMs = 20_000): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname === 'localhost' ? '127.0.0.1' : hostname, port: Number(port) });
    let received = '';
    let sentSecond = false;
    const finish = (closedByServer: boolean) => {
      clearTimeout(deadline);
      socket.destroy();
      resolve({ received, closedByServer });
    };
    const deadline = setTimeout(() => finish(false), deadlineMs);
    // Writing into a connection the server has closed fails: that is the server ending it too.
    socket.on('error', () => finish(true));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('data', (data) => {
      received += data.toString('latin1');
      if (!sentSecond && received.includes('\r\n\r\n')) {
        sentSecond = true;
        socket.write(then);
      }
    });
    for (const part of first) socket.write(part);
  });
}

/** An HTTP/1.1 POST to /graphql with a chunked body of `chunks` chunks of `chunkBytes` bytes each. */
export function chunkedPost(host: string, chunkBytes: number, chunks: number): (string | Buffer)[] {
  const chunk = Buffer.concat([Buffer.from(`${chunkBytes.toString(16)}\r\n`), Buffer.alloc(chunkBytes, 'a'), Buffer.from('\r\n')]);
  return [
    `POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n`,
    ...Array.from({ length: chunks }, () => chunk),
    '0\r\n\r\n',
  ];
}

export const secondRequest = (host: string) => `GET /health/live HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
