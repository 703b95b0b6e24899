import type { ViteUserConfig } from 'vitest/config';

/**
 * Vitest config that resolves `@tollgate/*` workspace packages to their TypeScript sources
 * (the `@tollgate/source` export condition), so tests never run against a stale `dist`.
 */
export function sourceConditions(config: ViteUserConfig = {}): ViteUserConfig {
  const conditions = ['@tollgate/source', 'node', 'import', 'default'];
  return {
    ...config,
    resolve: { ...config.resolve, conditions },
    ssr: { ...config.ssr, resolve: { ...config.ssr?.resolve, conditions, externalConditions: ['@tollgate/source'] } },
    test: { testTimeout: 20_000, hookTimeout: 30_000, ...config.test },
  };
}
