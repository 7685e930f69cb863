import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `vite` (dev) proxies /graphql to the gateway, so the app and the API share one origin;
// `vite build` writes hashed assets to web/dist, which web/server/ serves the same way.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  // GATEWAY_URL as the storefront server reads it (the gateway's /graphql): Vite wants its origin.
  server: { proxy: { '/graphql': { target: new URL(process.env['GATEWAY_URL'] ?? 'http://localhost:4000/graphql').origin } } },
});
