import { defineConfig } from 'vitest/config';

// Resolve @tollgate/* to TypeScript sources (the "@tollgate/source" export condition): tests never see a stale dist.
const conditions = ['@tollgate/source', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@tollgate/source'] } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 20_000, hookTimeout: 30_000 },
});
