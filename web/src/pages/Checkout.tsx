import { useEffect, useState, type FormEvent } from 'react';
import { useCart } from '../cart.ts';
import { errorMessage } from '../components.tsx';
import { formatMoney } from '../format.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session-context.tsx';

/** The card processor's test tokens (docs/cart-and-checkout.md, "Test payment tokens"). */
export const TEST_CARDS = [
  { token: 'tok_visa', label: 'Visa •••• 4242 (succeeds)' },
  { token: 'tok_mastercard', label: 'Mastercard •••• 4444 (succeeds)' },
  { token: 'tok_chargeDeclined', label: 'Visa •••• 0002 (declined)' },
  { token: 'tok_chargeDeclinedInsufficientFunds', label: 'Visa •••• 9995 (insufficient funds)' },
  { token: 'tok_processorTimeout', label: 'Processor timeout' },
] as const;

export function Checkout() {
  const cart = useCart({ live: true });
  const { user } = useSession();
  // Read it again on arrival: another tab, device or a cancelled order may have changed it.
  const { refresh } = cart;
  useEffect(refresh, []); // eslint-disable-line react-hooks/exhaustive-deps -- on arrival only
  const [card, setCard] = useState<string>(TEST_CARDS[0].token);
  const [placing, setPlacing] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  if (!user) {
    return (
      <section aria-labelledby="checkout-title">
        <h1 id="checkout-title">Checkout</h1>
        <p>
          <Link to="/login?next=/checkout">Log in</Link> or <Link to="/signup?next=/checkout">create an account</Link> to check out. Your cart is kept.
        </p>
      </section>
    );
  }
  if (cart.lines.length === 0) {
    return (
      <section aria-labelledby="checkout-title">
        <h1 id="checkout-title">Checkout</h1>
        <p>
          Your cart is empty. <Link to="/">Browse the catalog</Link>
        </p>
      </section>
    );
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setPlacing(true);
    setFailure(null);
    try {
      navigate(`/orders/${await cart.checkout(card)}`);
    } catch (error) {
      setFailure(error instanceof Error ? errorMessage(error) : 'The order was not placed.');
      setPlacing(false);
    }
  };
  return (
    <section aria-labelledby="checkout-title">
      <h1 id="checkout-title">Checkout</h1>
      <ul>
        {cart.lines.map((line) => (
          <li key={line.productId}>
            {line.quantity} × {line.name}
          </li>
        ))}
      </ul>
      <p>
        Subtotal: <strong>{formatMoney(cart.subtotal)}</strong>
      </p>
      <form onSubmit={submit} className="stack narrow">
        <fieldset>
          <legend>Payment (test cards)</legend>
          {TEST_CARDS.map((option) => (
            <div key={option.token}>
              <input type="radio" id={`card-${option.token}`} name="card" value={option.token} checked={card === option.token} onChange={() => setCard(option.token)} />
              <label htmlFor={`card-${option.token}`}>{option.label}</label>
            </div>
          ))}
        </fieldset>
        {failure ? (
          <p className="notice error" role="alert">
            {failure}
          </p>
        ) : null}
        <button type="submit" disabled={placing}>
          Place order
        </button>
      </form>
    </section>
  );
}
