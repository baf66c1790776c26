// vitest: every suite under test/; generous timeouts because the real-data suites read a 588 MB vmlinux,
// index a kernel subtree and drive real editors.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/temp-root.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
