import { useQuery, useSubscription } from '@apollo/client/react';
import { useEffect } from 'react';
import { StorefrontOrderDocument, StorefrontOrderStatusDocument, ViewerDocument, type OrderStatus } from '../../../sdk/generated/graphql.ts';
import { useCart } from '../cart.ts';
import { errorCodes, QueryProblems } from '../components.tsx';
import { formatDate, formatMoney } from '../format.ts';
import { Link } from '../router.tsx';

const STEPS: OrderStatus[] = ['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED'];
const FINAL: OrderStatus[] = ['DELIVERED', 'CANCELLED'];

/** Why an order was cancelled, in words (the saga's reasons, README "Write path"). */
const CANCELLATION: Record<string, string> = {
  CARD_DECLINED: 'Your card was declined.',
  INSUFFICIENT_FUNDS: 'Your card was declined: insufficient funds.',
  INVALID_PAYMENT_METHOD: 'The payment method is not valid.',
  PROCESSOR_TIMEOUT: 'The card processor did not answer in time.',
  PAYMENT_TIMEOUT: 'The payment took too long.',
  OUT_OF_STOCK: 'Some items are out of stock.',
  STOCK_TIMEOUT: 'Stock could not be reserved in time.',
};
const PAYMENT_FAILURES = new Set(['CARD_DECLINED', 'INSUFFICIENT_FUNDS', 'INVALID_PAYMENT_METHOD', 'PROCESSOR_TIMEOUT', 'PAYMENT_TIMEOUT']);

// After a dropped stream (the token reached its expiry, the network blinked), subscribe again.
const RESUBSCRIBE_MS = 1_000;
const NOTIFICATION_LAG_MS = 2_000;

/** The order, kept current by the orderStatusChanged subscription (Apollo's multipart protocol over HTTP). */
export function OrderPage({ id }: { id: string }) {
  const order = useQuery(StorefrontOrderDocument, { variables: { id } });
  const viewer = useQuery(ViewerDocument);
  const cart = useCart();
  const status = order.data?.order?.status;
  const done = status !== undefined && FINAL.includes(status);
  const subscription = useSubscription(StorefrontOrderStatusDocument, {
    variables: { orderId: id },
    skip: !order.data?.order || done,
    // Each result is the whole order (the same fields as the query): the cache, and so the page,
    // take it as it comes. The unread badge is read again.
    onData: () => {
      void viewer.refetch();
      // A cancelled order's lines come back to the cart.
      cart.refresh();
      // Notifications are made from the same event by another service, a moment later.
      setTimeout(() => void viewer.refetch(), NOTIFICATION_LAG_MS);
    },
  });
  const { restart } = subscription;
  const streamError = subscription.error;
  useEffect(() => {
    if (!streamError || done || errorCodes(streamError).includes('NOT_FOUND')) return;
    const timer = setTimeout(restart, RESUBSCRIBE_MS);
    return () => clearTimeout(timer);
  }, [streamError, restart, done]);

  // The saga gives a cancelled order's lines back to the cart by a message, a moment later.
  useEffect(() => {
    if (status !== 'CANCELLED') return;
    cart.refresh();
    const timer = setTimeout(() => cart.refresh(), NOTIFICATION_LAG_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per status, not per render of the cart
  }, [status]);

  const data = order.data?.order;
  if (order.loading && !order.data) return <p>Loading…</p>;
  if (!data) {
    return (
      <>
        <QueryProblems error={order.error} hasData={false} />
        {!order.error ? <p>No such order.</p> : null}
      </>
    );
  }
  const reason = data.cancellationReason ?? '';
  return (
    <article aria-labelledby="order-title">
      <h1 id="order-title">Order {data.id.slice(0, 8)}</h1>
      <QueryProblems error={order.error} hasData />
      <p>
        Status:{' '}
        <strong className={`status status-${data.status.toLowerCase()}`} data-testid="order-status" aria-live="polite">
          {data.status}
        </strong>
        {!done ? <span className="muted"> (updates live)</span> : null}
      </p>
      {data.status === 'CANCELLED' ? (
        <div className="notice error" role="alert">
          <strong>{PAYMENT_FAILURES.has(reason) ? 'Payment declined. ' : 'Order cancelled. '}</strong>
          {CANCELLATION[reason] ?? reason} Nothing was charged. {PAYMENT_FAILURES.has(reason) ? <Link to="/checkout">Try another card</Link> : null}
        </div>
      ) : (
        <ol className="steps" aria-label="Progress">
          {STEPS.map((step) => (
            <li key={step} className={STEPS.indexOf(step) <= STEPS.indexOf(data.status) ? 'reached' : ''}>
              {step}
            </li>
          ))}
        </ol>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Quantity</th>
            <th scope="col">Line total</th>
          </tr>
        </thead>
        <tbody>
          {data.items.map((item) => (
            <tr key={item.productName}>
              <td>{item.product ? <Link to={`/products/${item.product.id}`}>{item.productName}</Link> : item.productName}</td>
              <td>{item.quantity}</td>
              <td>{formatMoney({ amount: item.lineTotal.amount, currency: data.total.currency })}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Total: <strong>{formatMoney(data.total)}</strong>
      </p>
      <h2>Payment</h2>
      <p>{data.payment ? `${data.payment.status}${data.payment.cardLast4 ? ` · card •••• ${data.payment.cardLast4}` : ''}` : 'Not yet charged.'}</p>
      <h2>Shipment</h2>
      <p>{data.shipment ? `${data.shipment.status} · ${data.shipment.carrier} ${data.shipment.trackingNumber}` : 'Not shipped yet.'}</p>
      <h2>History</h2>
      <ul>
        {data.statusHistory.map((change) => (
          <li key={`${change.status}-${change.at}`}>
            {formatDate(change.at)}: {change.status}
            {change.reason ? ` (${change.reason})` : ''}
          </li>
        ))}
      </ul>
    </article>
  );
}
