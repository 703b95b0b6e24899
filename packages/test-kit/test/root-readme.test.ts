import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The root README's quickstarts are copies of files that are compiled and tested elsewhere; keep them in step.
const repo = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, repo), 'utf8');
const readme = read('README.md');
const fenced = (code: string): string => '```ts\n' + code + '```';
const region = (path: string): string => {
  const match = /\/\/ #region readme\n([\s\S]*?)\/\/ #endregion readme/.exec(read(path));
  if (!match?.[1]) throw new Error(`${path} has no readme region`);
  return match[1];
};

describe('root README quickstarts', () => {
  it.each(['packages/express/test/readme-example.ts', 'packages/fastify/test/readme-example.ts'])('contains the region of %s verbatim', (path) => {
    expect(readme).toContain(fenced(region(path)));
  });

  it.each(['examples/next-app/app/oauth/[...tollgate]/route.ts', 'examples/next-app/app/api/orders/route.ts', 'examples/next-app/proxy.ts'])('contains %s verbatim', (path) => {
    expect(readme).toContain(fenced(read(path)));
  });

  it('starts with the two commands for a fresh machine', () => {
    expect(readme).toContain('npm i -g pnpm@10 && pnpm install && pnpm --filter @tollgate/example-express-server start');
    expect(readme).toContain('npm i -g pnpm@10 && pnpm install --frozen-lockfile && pnpm test');
  });
});
