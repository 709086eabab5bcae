import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// base './': the built site works from any sub-path of any static host, worker included.
export default defineConfig({
  base: './',
  plugins: [react()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  preview: { port: 4173, strictPort: false },
});
