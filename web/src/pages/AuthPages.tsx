import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { LogInDocument, SignUpDocument } from '../../../sdk/generated/graphql.ts';
import { errorMessage } from '../components.tsx';
import { Link, navigate, useLocation } from '../router.tsx';
import { useSession } from '../session-context.tsx';

/** After signing in, back where the person was going (same-origin paths only). */
function useNext(): string {
  const next = useLocation().search.get('next') ?? '/account';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/account';
}

export function LogInPage() {
  const [logIn, { loading, error }] = useMutation(LogInDocument);
  const { signIn } = useSession();
  const next = useNext();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { data } = await logIn({ variables: { input: { email, password } } }).catch(() => ({ data: undefined }));
    if (!data) return;
    signIn(data.logIn);
    navigate(next);
  };
  return (
    <section className="narrow" aria-labelledby="login-title">
      <h1 id="login-title">Log in</h1>
      <form onSubmit={submit} className="stack">
        <label htmlFor="login-email">Email</label>
        <input id="login-email" type="email" autoComplete="email" required value={email} onChange={(event) => setEmail(event.target.value)} />
        <label htmlFor="login-password">Password</label>
        <input id="login-password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
        {error ? (
          <p className="notice error" role="alert">
            {errorMessage(error)}
          </p>
        ) : null}
        <button type="submit" disabled={loading}>
          Log in
        </button>
      </form>
      <p>
        New here? <Link to={`/signup?next=${encodeURIComponent(next)}`}>Create an account</Link>
      </p>
    </section>
  );
}

export function SignUpPage() {
  const [signUp, { loading, error }] = useMutation(SignUpDocument);
  const { signIn } = useSession();
  const next = useNext();
  const [form, setForm] = useState({ name: '', email: '', password: '' });
  const field = (name: keyof typeof form) => ({ value: form[name], onChange: (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value }) });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { data } = await signUp({ variables: { input: form } }).catch(() => ({ data: undefined }));
    if (!data) return;
    signIn(data.signUp);
    navigate(next);
  };
  return (
    <section className="narrow" aria-labelledby="signup-title">
      <h1 id="signup-title">Create an account</h1>
      <form onSubmit={submit} className="stack">
        <label htmlFor="signup-name">Name</label>
        <input id="signup-name" autoComplete="name" required {...field('name')} />
        <label htmlFor="signup-email">Email</label>
        <input id="signup-email" type="email" autoComplete="email" required {...field('email')} />
        <label htmlFor="signup-password">Password (8 characters or more)</label>
        <input id="signup-password" type="password" autoComplete="new-password" minLength={8} required {...field('password')} />
        {error ? (
          <p className="notice error" role="alert">
            {errorMessage(error)}
          </p>
        ) : null}
        <button type="submit" disabled={loading}>
          Sign up
        </button>
      </form>
      <p>
        Already have an account? <Link to={`/login?next=${encodeURIComponent(next)}`}>Log in</Link>
      </p>
    </section>
  );
}
