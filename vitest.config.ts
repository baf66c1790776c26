// vitest: every suite under test/, in forked processes (the native tree-sitter and SQLite bindings are not thread-safe
// across workers); generous timeouts because the real-data suites read a 588 MB vmlinux and a kernel subtree.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
