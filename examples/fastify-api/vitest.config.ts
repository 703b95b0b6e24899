import { defineConfig } from 'vitest/config';
import { sourceConditions } from '@tollgate/test-kit/vitest';

export default defineConfig(sourceConditions({ test: { include: ['test/**/*.test.ts'], testTimeout: 60_000 } }));
