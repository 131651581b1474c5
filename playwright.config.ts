import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

// Debian's chromium package: Playwright's own browser download cannot run on machines without internet.
const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (candidate): candidate is string => candidate !== undefined && existsSync(candidate),
);

export default defineConfig<{ viaProxy: boolean }>({
  testDir: 'e2e',
  projects: [
    { name: 'direct' },
    // The core race again, with every device behind a trusted reverse proxy (TRUST_PROXY set).
    { name: 'behind-proxy', use: { viaProxy: true }, grep: /@core/ },
  ],
  globalSetup: './e2e/support/global-setup.ts',
  fullyParallel: true,
  workers: 2,
  retries: 0,
  // Timeouts catch hangs, not slowness: a test waits for the state it needs, and a product promise that is
  // a time ("within 2 s") is measured inside the page against the server's clock (see fixtures.ts).
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['./scripts/test-support/slowest-playwright-reporter.ts'], ...(process.env.CI ? [] : [['html', { open: 'never' }] as const])],
  use: {
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromium,
      // Background networking would try (and fail) to reach Google's services on a closed network.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
