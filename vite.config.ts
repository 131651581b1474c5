import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig(({ command }) => {
  // A build is what participants get, whoever runs it: one started from a test process (NODE_ENV=test)
  // shipped React's development build and JSX, half again as large and much slower to start.
  if (command === 'build') process.env.NODE_ENV = 'production';
  return {
    root: 'client',
    plugins: [react()],
    build: {
      outDir: '../dist/client',
      emptyOutDir: true,
    },
    server: {
      host: '127.0.0.1',
      proxy: {
        '/api': { target: `http://127.0.0.1:${process.env.PORT ?? 3000}`, changeOrigin: false },
      },
    },
  };
});
