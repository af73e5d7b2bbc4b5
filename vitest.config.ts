import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/chaos/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A stale dist/ would test an old program: rebuilt first when older than src/.
    globalSetup: ['test/support/global-setup.ts'],
    // One fast-check seed for every run (exploring with other seeds is deliberate: CONTRIBUTING.md).
    setupFiles: ['test/support/fast-check-seed.ts'],
  },
});
