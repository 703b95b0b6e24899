import type { NextConfig } from 'next';

// The @tollgate/* workspace packages resolve to their built `dist` (the "default" export condition), so
// `pnpm run build` at the root builds them first (turbo: build dependsOn ^build). Nothing else is needed.
const config: NextConfig = {};

export default config;
