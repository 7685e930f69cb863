import { useLazyQuery, useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { MarkDeliveredDocument, OrderDocument, ShipOrderDocument, type Carrier } from '../../../sdk/generated/graphql.ts';
import { errorMessage } from '../components.tsx';
import { formatMoney } from '../format.ts';
import { Link, useLocation } from '../router.tsx';
import { useSession } from '../session-context.tsx';

const CARRIERS: Carrier[] = ['UPS', 'FEDEX', 'DHL', 'USPS'];

/** Ship and deliver an order by its id, so a demo can walk the whole life cycle. */
export function Admin() {
  const { user } = useSession();
  const initial = useLocation().search.get('order') ?? '';
  const [orderId, setOrderId] = useState(initial);
  const [carrier, setCarrier] = useState<Carrier>('UPS');
  const [load, order] = useLazyQuery(OrderDocument, { fetchPolicy: 'network-only' });
  const [ship, shipping] = useMutation(ShipOrderDocument);
  const [deliver, delivering] = useMutation(MarkDeliveredDocument);
  if (user?.role !== 'ADMIN') return <p role="alert">This page is for admins. Log in with an admin account.</p>;

  const find = (event: FormEvent) => {
    event.preventDefault();
    void load({ variables: { id: orderId.trim() } });
  };
  const reload = () => order.refetch();
  const current = order.data?.order;
  const failure = shipping.error ?? delivering.error ?? order.error;
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Admin: orders</h1>
      <p>
        <Link to="/admin/catalog">Catalog: categories and products</Link>
      </p>
      <form onSubmit={find} className="inline">
        <label htmlFor="admin-order">Order id</label>
        <input id="admin-order" value={orderId} onChange={(event) => setOrderId(event.target.value)} required size={38} />
        <button type="submit">Find</button>
      </form>
      {failure ? (
        <p className="notice error" role="alert">
          {errorMessage(failure)}
        </p>
      ) : null}
      {order.data && !current ? <p>No such order.</p> : null}
      {current ? (
        <div className="card wide">
          <p>
            Order {current.id} · <strong data-testid="admin-order-status">{current.status}</strong> · {formatMoney(current.total)}
          </p>
          <p>{current.items.map((item) => `${item.quantity} × ${item.productName}`).join(', ')}</p>
          {current.status === 'CONFIRMED' ? (
            <form
              className="inline"
              onSubmit={(event) => {
                event.preventDefault();
                void ship({ variables: { orderId: current.id, carrier } }).then(reload, () => undefined);
              }}
            >
              <label htmlFor="carrier">Carrier</label>
              <select id="carrier" value={carrier} onChange={(event) => setCarrier(event.target.value as Carrier)}>
                {CARRIERS.map((option) => (
                  <option key={option}>{option}</option>
                ))}
              </select>
              <button type="submit" disabled={shipping.loading}>
                Ship order
              </button>
            </form>
          ) : null}
          {current.status === 'SHIPPED' && current.shipment ? (
            <button type="button" disabled={delivering.loading} onClick={() => void deliver({ variables: { shipmentId: current.shipment!.id } }).then(reload, () => undefined)}>
              Mark delivered
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
