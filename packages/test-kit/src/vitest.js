// Plain JavaScript: vitest loads its config through Node, which cannot import TypeScript here.
const conditions = ['@tollgate/source', 'node', 'import', 'default'];
// Vitest hands SSR conditions to Node as --conditions; 'import' there makes CommonJS packages (pg) load ESM builds.
const ssrConditions = ['@tollgate/source', 'node', 'default'];

/**
 * Vitest config that resolves `@tollgate/*` workspace packages to their TypeScript sources
 * (the `@tollgate/source` export condition), so tests never run against a stale `dist`.
 * @param {import('vitest/config').ViteUserConfig} [config]
 * @returns {import('vitest/config').ViteUserConfig}
 */
export function sourceConditions(config = {}) {
  return {
    ...config,
    resolve: { ...config.resolve, conditions },
    ssr: { ...config.ssr, resolve: { ...config.ssr?.resolve, conditions: ssrConditions, externalConditions: ['@tollgate/source'] } },
    test: { testTimeout: 20_000, hookTimeout: 30_000, ...config.test },
  };
}
