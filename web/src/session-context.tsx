import { useApolloClient } from '@apollo/client/react';
import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import { EndSessionDocument } from '../../sdk/generated/graphql.ts';
import { SKIP_AUTH } from './apollo.ts';
import type { SessionStore, SessionTokens } from './session.ts';

const SessionContext = createContext<SessionStore | null>(null);

export function SessionProvider({ store, children }: { store: SessionStore; children: ReactNode }) {
  return <SessionContext.Provider value={store}>{children}</SessionContext.Provider>;
}

/** The signed-in session (re-renders when it starts, renews or ends), and how to start and end it. */
export function useSession() {
  const store = useContext(SessionContext);
  if (!store) throw new Error('useSession outside SessionProvider');
  const session = useSyncExternalStore(store.subscribe, store.current);
  const client = useApolloClient();
  return {
    user: session?.user ?? null,
    signIn(tokens: SessionTokens) {
      store.start(tokens);
      // What was read as someone else (or anonymously) is not this user's.
      void client.resetStore();
    },
    async signOut() {
      store.end();
      // Apollo's way after a log-out: clear the store and read what is on screen again, now
      // anonymously. Queries in flight are abandoned (nothing of the session lands after it), with
      // an error the pages do not show (isStoreReset).
      await client.resetStore().catch(() => undefined);
      // Ends the session on the server and clears the cookie (other tabs are signed out at their next renewal).
      await client.mutate({ mutation: EndSessionDocument, context: { [SKIP_AUTH]: true } }).catch(() => undefined);
    },
  };
}
