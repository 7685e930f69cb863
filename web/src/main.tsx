import { ApolloProvider } from '@apollo/client/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApolloClient } from './apollo.ts';
import { App } from './App.tsx';
import { SessionStore } from './session.ts';
import { SessionProvider } from './session-context.tsx';
import './styles.css';

const sessions = new SessionStore();
const client = createApolloClient(sessions);
// A reload or a new tab: resume the session from its cookie before the first queries (they wait for it).
void sessions.resume();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <SessionProvider store={sessions}>
        <App />
      </SessionProvider>
    </ApolloProvider>
  </StrictMode>,
);
