import { defineConfig } from 'vitest/config';

// The test drives a real `next build` + `next start` over HTTP: nothing is imported from the workspace.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 300_000 } });
