import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { AccountOrdersDocument, DashboardDocument, MarkNotificationReadDocument, ViewerDocument } from '../../../sdk/generated/graphql.ts';
import { QueryProblems } from '../components.tsx';
import { formatDate, formatMoney } from '../format.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session-context.tsx';

const ORDERS_PAGE = 10;

/** The account page is the Dashboard operation (one request across seven subgraphs) and the order history's pages. */
export function Account() {
  const { data, error, loading } = useQuery(DashboardDocument, { fetchPolicy: 'cache-and-network' });
  const [markRead] = useMutation(MarkNotificationReadDocument, { refetchQueries: [DashboardDocument, ViewerDocument] });
  const me = data?.me;
  // The order history, a page at a time: the cache appends each page (apollo.ts), so all of them can be seen.
  const { user } = useSession();
  const history = useQuery(AccountOrdersDocument, { variables: { first: ORDERS_PAGE }, fetchPolicy: 'cache-and-network', skip: !user });
  const [loadingMore, setLoadingMore] = useState(false);
  const orders = history.data?.me?.orders;
  const showMore = () => {
    if (!orders?.pageInfo.endCursor) return;
    setLoadingMore(true);
    void history
      .fetchMore({ variables: { after: orders.pageInfo.endCursor } })
      .catch(() => undefined)
      .finally(() => setLoadingMore(false));
  };
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
      <h2>Your orders ({orders?.totalCount ?? me.orders?.totalCount ?? 0})</h2>
      <QueryProblems error={history.error} hasData={Boolean(orders)} />
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
          {(orders ?? me.orders)?.edges.map(({ node }) => (
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
      {orders?.pageInfo.hasNextPage ? (
        <p>
          <button type="button" onClick={showMore} disabled={loadingMore}>
            Show more orders
          </button>{' '}
          <span className="muted">
            {orders.edges.length} of {orders.totalCount} shown
          </span>
        </p>
      ) : null}
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
