// Two HTTP services in one process, as npm start runs several: for safety-net.test.ts. One has
// handlers that throw (at once, later in their promise, and outside any request); the other echoes
// a POST body, so that a request can be in flight there while the first one fails.
import { Registry } from 'prom-client';
import { createLogger } from '../../logger.ts';
import { stopOnSignals } from '../../service/stop-on-signals.ts';
import { sendJson } from '../http-error.ts';
import { readBody } from '../read-body.ts';
import { createHttpService } from '../service-server.ts';

const log = createLogger('fixture', 'info');
const common = { log, health: [], shutdownGraceMs: 60_000 };
const failing = createHttpService({
  ...common,
  metrics: new Registry(),
  graphql: (_req, res) => sendJson(res, 200, '{}'),
  routes: {
    '/throws-at-once': () => {
      throw new Error('thrown at once by a handler');
    },
    '/throws-later': async () => {
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('thrown later by a handler');
    },
    '/crashes': (_req, res) => {
      sendJson(res, 202, '{}');
      // A throw no request's promise holds: an uncaught exception, a real crash of the process.
      setImmediate(() => {
        throw new Error('thrown outside any request');
      });
    },
  },
});
const other = createHttpService({
  ...common,
  metrics: new Registry(),
  graphql: async (req, res) => sendJson(res, 200, JSON.stringify({ echoed: await readBody(req, 10_000) })),
});
const failingUrl = await failing.listen(0, '127.0.0.1');
const otherUrl = await other.listen(0, '127.0.0.1');
stopOnSignals(async () => {
  await Promise.all([failing.close(), other.close()]);
}, log);
process.stdout.write(`${JSON.stringify({ msg: 'ready', failingUrl, otherUrl })}\n`);
