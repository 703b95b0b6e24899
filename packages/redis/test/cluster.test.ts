import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { generateMulti } from 'cluster-key-slot';
import { Cluster, Redis } from 'ioredis';
import { runStoreContract } from '@tollgate/test-kit/store-contract';
import { keyLayout } from '../src/keys.js';
import { scriptKeys } from '../src/scripts.js';
import { failFastRedisOptions, redisStore } from '../src/index.js';
import { dropPrefix, freePort, localRedis, redisBinariesAvailable, requireOrSkip, uniquePrefix, type LocalRedis } from './helpers.js';

/** The Cluster slot of a key (CRC16 of its hash tag, or of the whole key, mod 16384). */
const calculateSlot = (key: string): number => generateMulti([key]);

const FAMILY_IDS = ['fam-1', 'Zx9_-.abc', '', '{', '}', '{}', '}{', '{a}', 'a{b}c', 'x}y{z', '~', '~abc', 'ünïcødé 🚀', 'a:b:c', 'a\nb', 'x'.repeat(300)];
const OTHER = ['h1', 'h{2}', '{h3}', '', '}'];

describe('Redis Cluster slots', () => {
  it('cross-slot-script: every key a script touches hashes to one Cluster slot, whatever the family id', () => {
    for (const prefix of ['tollgate', 'app:auth', 'p']) {
      const k = keyLayout(prefix);
      for (const familyId of FAMILY_IDS) {
        const lists: string[][] = [
          scriptKeys.saveRefreshToken(k, familyId, 'hash-a'),
          scriptKeys.findRefreshToken(k, familyId, 'hash-a'),
          scriptKeys.addFamilyAccessToken(k, familyId),
          scriptKeys.revokeFamily(k, familyId),
          ...OTHER.map((other) => scriptKeys.rotateRefreshToken(k, familyId, other, `${other}-next`)),
          // The refresh-token keys deleted after a revocation go out as one multi-key DEL.
          OTHER.map((hash) => k.refreshToken(familyId, hash)),
        ];
        for (const keys of lists) {
          const slots = new Set(keys.map((key) => calculateSlot(key)));
          expect(slots.size, `${prefix} / ${JSON.stringify(familyId)}: ${keys.join(' ')}`).toBe(1);
        }
      }
    }
  });

  it('families are spread over slots rather than piled into one', () => {
    const k = keyLayout('tollgate');
    const slots = new Set(Array.from({ length: 200 }, (_, i) => calculateSlot(k.family(`family-${i}`))));
    expect(slots.size).toBeGreaterThan(150);
  });

  it('hash-tag-escape: distinct family ids never share a family key', () => {
    const k = keyLayout('tollgate');
    const keys = FAMILY_IDS.map((familyId) => k.family(familyId));
    expect(new Set(keys).size).toBe(FAMILY_IDS.length);
  });

  it('single-key operations need no tag; their keys stay under the prefix', () => {
    const k = keyLayout('tollgate');
    for (const key of [...scriptKeys.saveCode(k, 'c'), ...scriptKeys.consumeCode(k, 'c'), ...scriptKeys.revokeAccessToken(k, 'j'), ...scriptKeys.increment(k, 'n')]) {
      expect(key.startsWith('tollgate:')).toBe(true);
    }
  });
});

const skipCluster = requireOrSkip(redisBinariesAvailable(), 'the redis-server and redis-cli binaries (for the 3-node Redis Cluster test)');

/** Start a 3-master cluster on free loopback ports; resolves once every node reports cluster_state:ok. */
async function startCluster(): Promise<{ ports: number[]; servers: LocalRedis[] }> {
  const servers: LocalRedis[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      let port = await freePort(true);
      while (ports.includes(port)) port = await freePort(true);
      ports.push(port);
      const server = await localRedis({ port, args: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'] });
      servers.push(server);
      await server.start();
    }
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    const deadline = Date.now() + 20_000;
    for (const port of ports) {
      const node = new Redis(port, '127.0.0.1');
      try {
        while (!String(await node.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) {
          if (Date.now() > deadline) throw new Error(`cluster node ${port} not ok`);
          await sleep(100);
        }
      } finally {
        node.disconnect();
      }
    }
    return { ports, servers };
  } catch (error) {
    for (const server of servers) await server.dispose();
    throw error;
  }
}

describe.skipIf(skipCluster)('redisStore on a 3-node Redis Cluster', () => {
  runStoreContract('redisStore (Cluster)', async () => {
    const { ports, servers } = await startCluster();
    const prefix = uniquePrefix();
    const cluster = new Cluster(
      ports.map((port) => ({ host: '127.0.0.1', port })),
      { redisOptions: failFastRedisOptions(), enableOfflineQueue: false, clusterRetryStrategy: (times) => Math.min(times * 100, 2000) },
    );
    cluster.on('error', () => {});
    const store = redisStore({ client: cluster, prefix, commandTimeoutMs: 2000 });
    return {
      store,
      cleanup: async () => {
        try {
          // The contract's families really were spread over the masters, so scripts ran on several nodes.
          const perMaster = await Promise.all(cluster.nodes('master').map(async (node) => (await node.keys(`${prefix}:rt:*`)).length));
          expect(perMaster.filter((count) => count > 0).length).toBe(3);
          await dropPrefix(cluster, prefix);
          await store.close();
          cluster.disconnect();
        } finally {
          for (const server of servers) await server.dispose();
        }
      },
    };
  });
});
