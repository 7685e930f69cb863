import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

// How long and how much a refused client may go on sending after its answer (nginx's lingering close).
const LINGER_IDLE_MS = 5_000;
const LINGER_MAX_MS = 30_000;
const LINGER_MAX_BYTES = 64 * 1024 ** 2;

/**
 * Closes `socket` after an answer without cutting off the client's view of it: sends FIN, then goes
 * on reading (and discarding) what the client still sends until it ends its side, is idle, or passes
 * a bound. A plain close with unread bytes in the kernel's buffer sends a TCP reset, and a client
 * still writing its body (a 5 MB POST refused with 413) gets EPIPE or ECONNRESET instead of the
 * answer that was already on the wire.
 */
export function lingerThenClose(socket: Duplex, counted?: IncomingMessage): void {
  if (socket.destroyed) return;
  let received = 0;
  const close = () => socket.destroy();
  const idle = setTimeout(close, LINGER_IDLE_MS).unref();
  const atMost = setTimeout(close, LINGER_MAX_MS).unref();
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > LINGER_MAX_BYTES) close();
    else idle.refresh();
  };
  // The bytes arrive through the request when Node's parser still owns the socket, else on the socket.
  const source = counted ?? socket;
  source.on('data', onData);
  // The client ended its side: nothing more will be read, and the answer has gone out.
  source.once('end', () => (socket.writableFinished ? close() : socket.once('finish', close)));
  socket.once('close', () => {
    clearTimeout(idle);
    clearTimeout(atMost);
    source.off('data', onData);
  });
  socket.end();
  if (!counted) socket.resume();
}

/**
 * Makes the connection of `req`, answered before its body was read to the end and closing with that
 * answer (`Connection: close`), linger instead of being destroyed once the answer is written. Node's
 * server ends such a connection through `socket.destroySoon()` (end, then destroy on finish): that
 * one socket's method is replaced.
 */
export function lingerAfterAnswer(req: IncomingMessage): void {
  const socket = req.socket as IncomingMessage['socket'] & { destroySoon?: () => void };
  if (req.complete || socket.destroyed) return;
  socket.destroySoon = () => (req.complete ? socket.end(() => socket.destroy()) : lingerThenClose(socket, req));
}
