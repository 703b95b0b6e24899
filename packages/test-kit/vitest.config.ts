import { defineConfig } from 'vitest/config';
import { sourceConditions } from './src/vitest.js';

export default defineConfig(sourceConditions({ test: { include: ['test/**/*.test.ts'] } }));
