// Build for the drivers' map page: `npx vite build --config web/vite.config.ts` → web/dist,
// served by the API at `/` (same origin, so the page calls `/api/v1/...` with no CORS).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// `vite dev` only: where the API listens (core/config.ts HTTP_PORT defaults to 8080).
const apiOrigin = process.env.ONELOT_API_ORIGIN ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  // Vite 8 compiles TSX with Oxc; no React plugin needed (and no Fast Refresh, which we don't use).
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: { '/api': { target: apiOrigin, changeOrigin: false } },
  },
});
