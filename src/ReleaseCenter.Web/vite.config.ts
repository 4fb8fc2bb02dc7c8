import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The product serves the built console from the same origin as the API (the local host, or
// CloudFront in AWS). `npm run dev` proxies the API to a running local stack.
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/v1': 'http://127.0.0.1:5080',
      '/config.json': 'http://127.0.0.1:5080',
    },
  },
});
