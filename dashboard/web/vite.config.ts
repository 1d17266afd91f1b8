// Builds the dashboard's web app into dashboard/web/dist, which the dashboard server serves.
// `npx vite build dashboard/web` (the lead's build step runs it).
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 300,
  },
  // Local development against a running dashboard: `npx vite dashboard/web` proxies the API.
  server: {
    proxy: { '/api': { target: process.env.HOMEOSTAT_DASHBOARD_URL ?? 'http://127.0.0.1:8090', ws: true } },
  },
});
