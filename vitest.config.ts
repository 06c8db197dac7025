import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Node resolves `graphql` (no exports map) to its CommonJS build, for our code and for the
  // libraries alike; vite would pick the ESM build for our code only, and graphql refuses types
  // from "another realm". Use the build Node uses.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts', 'codegen/test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration suites share real servers but each uses its own database, so files may run in parallel.
    pool: 'forks',
  },
});
