import { useMutation, useQuery } from '@apollo/client/react';
import { DashboardDocument, MarkNotificationReadDocument, ViewerDocument } from '../../../sdk/generated/graphql.ts';
import { QueryProblems } from '../components.tsx';
import { formatDate, formatMoney } from '../format.ts';
import { Link } from '../router.tsx';

/** The account page is the Dashboard operation: one request across seven subgraphs. */
export function Account() {
  const { data, error, loading } = useQuery(DashboardDocument, { fetchPolicy: 'cache-and-network' });
  const [markRead] = useMutation(MarkNotificationReadDocument, { refetchQueries: [DashboardDocument, ViewerDocument] });
  const me = data?.me;
  if (loading && !data) return <p>Loading…</p>;
  if (!me) {
    return (
      <>
        <QueryProblems error={error} hasData={false} />
        <p>
          <Link to="/login?next=/account">Log in</Link> to see your account.
        </p>
      </>
    );
  }
  const unread = me.unreadNotificationCount ?? 0;
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Hello, {me.name}</h1>
      <QueryProblems error={error} hasData />
      <h2>Your orders ({me.orders?.totalCount ?? 0})</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Placed</th>
            <th scope="col">Status</th>
            <th scope="col">Total</th>
            <th scope="col">Payment</th>
            <th scope="col">Shipment</th>
          </tr>
        </thead>
        <tbody>
          {me.orders?.edges.map(({ node }) => (
            <tr key={node.id}>
              <td>
                <Link to={`/orders/${node.id}`}>{node.items.map((item) => `${item.quantity} × ${item.productName}`).join(', ')}</Link>
              </td>
              <td>{formatDate(node.createdAt)}</td>
              <td>{node.status}</td>
              <td>{formatMoney(node.total)}</td>
              <td>{node.payment?.status ?? '—'}</td>
              <td>{node.shipment ? `${node.shipment.status} (${node.shipment.carrier} ${node.shipment.trackingNumber})` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>
        Notifications{' '}
        {unread > 0 ? (
          <span className="badge" aria-label={`${unread} unread`}>
            {unread}
          </span>
        ) : null}
      </h2>
      <ul className="notifications">
        {me.notifications?.edges.map(({ node }) => (
          <li key={node.id} className={node.read ? 'read' : 'unread'}>
            <span>{node.title}</span> <span className="muted">{formatDate(node.createdAt)}</span> {node.orderId ? <Link to={`/orders/${node.orderId}`}>View order</Link> : null}{' '}
            {!node.read ? (
              <button type="button" className="link" onClick={() => void markRead({ variables: { id: node.id } })}>
                Mark as read
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
