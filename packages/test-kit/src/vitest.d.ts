import type { ViteUserConfig } from 'vitest/config';
/** Vitest config resolving `@tollgate/*` packages to their TypeScript sources. */
export declare function sourceConditions(config?: ViteUserConfig): ViteUserConfig;
