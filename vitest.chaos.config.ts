import { defineConfig } from 'vitest/config';

/**
 * The reliability suite (`npm run test:chaos`): a fault-injected soak, crash safety and fuzzing, all
 * against the built CLI (`npm run test:chaos` builds first). Kept out of `npm test` for its length;
 * CI runs it in a bounded size (CHAOS_TRANSITIONS).
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    // Each file sizes its own long tests; this bounds hooks and the short ones.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A stale dist/ would test an old program: rebuilt first when older than src/.
    globalSetup: ['test/support/global-setup.ts'],
    // The fuzzing draws from one seed too: CI never fails on a seed it has not met (CONTRIBUTING.md).
    setupFiles: ['test/support/fast-check-seed.ts'],
  },
});
