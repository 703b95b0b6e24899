/**
 * Cost growth, Tollgate's token endpoint on node:http with the memory store: 10 vs many static clients
 * (BENCH_GROWTH_CLIENTS, default 100 000) and a store pre-seeded with many live refresh tokens
 * (BENCH_GROWTH_REFRESH, default 1 000 000) through `saveRefreshToken`.
 */
import { memoryStore, toNodeListener, type ClientConfig } from '@tollgate/core';
import { listenNode, type Variants } from '../listen.js';
import { seedRefreshTokens } from '../seed.js';
import { SCOPE } from '../shared.js';
import { tollgateServer } from './tollgate-config.js';

const count = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 0 || value > 10_000_000) throw new Error(`${name} must be a whole number up to 10 000 000`);
  return value;
};

/** `total` clients in all, the two bench clients among them. */
function clients(total: number): ClientConfig[] {
  const extra: ClientConfig[] = [];
  for (let i = 0; i < total - 2; i += 1) extra.push({ id: `client-${i}`, secret: `client-${i}-secret-0123456789`, grantTypes: ['client_credentials'], scopes: [SCOPE] });
  return extra;
}

export const variants: Variants = {
  'clients-small': async () => {
    const server = tollgateServer({ extraClients: clients(10) });
    return listenNode(toNodeListener(server), () => server.close());
  },
  'clients-large': async () => {
    const server = tollgateServer({ extraClients: clients(count('BENCH_GROWTH_CLIENTS', 100_000)) });
    return listenNode(toNodeListener(server), () => server.close());
  },
  'refresh-seeded': async () => {
    const store = memoryStore();
    await seedRefreshTokens(store, count('BENCH_GROWTH_REFRESH', 1_000_000));
    const server = tollgateServer({ store });
    return listenNode(toNodeListener(server), () => server.close());
  },
};
