import { useQuery } from '@apollo/client/react';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { ViewerDocument } from '../../sdk/generated/graphql.ts';
import { useCart } from './cart.ts';
import { rateLimitNotices } from './notices.ts';
import { Account } from './pages/Account.tsx';
import { Admin } from './pages/Admin.tsx';
import { AdminCatalog } from './pages/AdminCatalog.tsx';
import { LogInPage, SignUpPage } from './pages/AuthPages.tsx';
import { CartPage } from './pages/CartPage.tsx';
import { Catalog } from './pages/Catalog.tsx';
import { Checkout } from './pages/Checkout.tsx';
import { OrderPage } from './pages/OrderPage.tsx';
import { ProductPage } from './pages/ProductPage.tsx';
import { Link, navigate, useLocation } from './router.tsx';
import { useSession } from './session-context.tsx';

function Page({ path }: { path: string }) {
  const [, section, id] = path.split('/');
  if (section === 'products' && id) return <ProductPage key={id} id={id} />;
  if (section === 'orders' && id) return <OrderPage key={id} id={id} />;
  switch (path) {
    case '/':
      return <Catalog />;
    case '/login':
      return <LogInPage />;
    case '/signup':
      return <SignUpPage />;
    case '/cart':
      return <CartPage />;
    case '/checkout':
      return <Checkout />;
    case '/account':
      return <Account />;
    case '/admin':
      return <Admin />;
    case '/admin/catalog':
      return <AdminCatalog />;
    default:
      return (
        <p>
          Page not found. <Link to="/">Back to the catalog</Link>
        </p>
      );
  }
}

/** The gateway's 429: what to wait for, counted down from its Retry-After. */
function RateLimitBanner() {
  const notice = useSyncExternalStore(rateLimitNotices.subscribe, rateLimitNotices.current);
  const [, tick] = useState(0);
  useEffect(() => {
    if (!notice) return;
    const timer = setInterval(() => {
      if (Date.now() >= notice.until) rateLimitNotices.clear();
      else tick((count) => count + 1);
    }, 500);
    return () => clearInterval(timer);
  }, [notice]);
  if (!notice) return null;
  return (
    <p className="notice warning" role="alert" data-testid="rate-limited">
      Too many requests. Please wait {Math.max(1, Math.ceil((notice.until - Date.now()) / 1000))} s and try again.
    </p>
  );
}

function Header() {
  const { user, signOut } = useSession();
  const cart = useCart();
  const viewer = useQuery(ViewerDocument, { skip: !user, pollInterval: 30_000 });
  const unread = viewer.data?.me?.unreadNotificationCount ?? 0;
  return (
    <header className="site">
      <Link to="/" className="brand">
        <img src="/logo.svg" alt="Storefront home" width="32" height="32" />
        <span>Storefront</span>
      </Link>
      <nav aria-label="Main">
        <Link to="/">Catalog</Link>
        <Link to="/cart">
          Cart{' '}
          <span className="count" data-testid="cart-count">
            {cart.count}
          </span>
        </Link>
        {user ? (
          <>
            <Link to="/account">
              Account
              {unread > 0 ? (
                <span className="badge" data-testid="unread-badge" aria-label={`${unread} unread notifications`}>
                  {unread}
                </span>
              ) : null}
            </Link>
            {user.role === 'ADMIN' ? <Link to="/admin">Admin</Link> : null}
            <button type="button" className="link" onClick={() => void signOut().then(() => navigate('/'))}>
              Log out
            </button>
          </>
        ) : (
          <>
            <Link to="/login">Log in</Link>
            <Link to="/signup">Sign up</Link>
          </>
        )}
      </nav>
    </header>
  );
}

export function App() {
  const { path } = useLocation();
  return (
    <>
      <Header />
      <main>
        <RateLimitBanner />
        <Page path={path} />
      </main>
    </>
  );
}
