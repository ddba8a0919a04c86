import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Builds dist/ once when the process-level suites (test/process) are part of the run.
    globalSetup: ['test/support/global-setup.ts'],
  },
});
