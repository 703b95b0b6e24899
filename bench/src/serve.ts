/**
 * Child-process entry of one target server: `node … src/serve.ts <module> <variant>`. The harness starts it
 * under `taskset -c 0`; it prints `BENCH_LISTENING <port>` once ready and cleans up on SIGTERM.
 */
import type { Variants } from './listen.js';

const [moduleName, variant] = process.argv.slice(2);
if (!moduleName || !variant || !/^[a-z0-9-]+$/.test(moduleName)) {
  console.error('usage: serve.ts <module> <variant>');
  process.exit(2);
}

const mod = (await import(`./targets/${moduleName}.js`)) as { variants: Variants };
const start = mod.variants[variant];
if (!start) {
  console.error(`serve.ts: ${moduleName} has no variant "${variant}" (has ${Object.keys(mod.variants).join(', ')})`);
  process.exit(2);
}
const started = await start();
let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  // Bounded: the harness SIGKILLs after its own timeout anyway.
  setTimeout(() => process.exit(1), 20_000).unref();
  started.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('serve.ts: close failed', error);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdout.write(`BENCH_LISTENING ${started.port}\n`);
