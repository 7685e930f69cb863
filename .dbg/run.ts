import { startTestSupergraph } from '../test/support/test-supergraph.ts';
import { logInAsCustomer } from '../test/support/sessions.ts';
import { wsClient, collect } from '../test/e2e/support/subscriptions.ts';
const sg = await startTestSupergraph({ mode: 'embedded', env: { LOG_LEVEL: 'error' } });
try {
  const c = await logInAsCustomer(sg.gatewayUrl);
  const client = wsClient(sg.gatewayUrl, c.token);
  const s = collect(client, `subscription { orderStatusChanged(orderId: "x") { id nope } }`);
  console.log('END1', JSON.stringify(await s.ended));
  const q = collect(client, `{ me { id } }`);
  console.log('END2', JSON.stringify(await q.ended), JSON.stringify(q.results));
  await client.dispose();
} finally { await sg.stop(); }
