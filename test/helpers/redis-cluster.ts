import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from './redis-server.js';
import { eventually } from './time.js';

const run = promisify(execFile);

export interface RedisClusterHandle {
  /** One node's URL; the client discovers the others. */
  readonly url: string;
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

/**
 * Three masters, each a private redis-server of {@link startRedisServer} with
 * cluster mode on (its nodes.conf in its own folder), joined with
 * `redis-cli --cluster create`.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  const nodes = await Promise.allSettled(Array.from({ length: masters }, () => startRedisServer({ extraArgs: ['--cluster-enabled', 'yes'] })));
  const started = nodes.flatMap((node) => (node.status === 'fulfilled' ? [node.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((node: RedisServerHandle) => node.stop()));
  };
  try {
    for (const node of nodes) if (node.status === 'rejected') throw node.reason;
    const ports = started.map((node) => node.port);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    // Every node must agree the cluster is up.
    for (const port of ports) {
      await eventually(async () => (await run('redis-cli', ['-p', String(port), 'cluster', 'info'])).stdout.includes('cluster_state:ok'), {
        timeoutMs: 10_000,
        intervalMs: 100,
        what: `cluster_state:ok on node ${port}`,
      });
    }
    await waitUntilClientsCanUse(ports[0] ?? 0);
    return { url: `redis://127.0.0.1:${ports[0] ?? 0}`, ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `cluster_state:ok` on every node is not enough: wait until a client's slot map works for keys in every slot range. */
async function waitUntilClientsCanUse(port: number): Promise<void> {
  await eventually(
    async () => {
      const client = new Cluster([{ host: '127.0.0.1', port }], { lazyConnect: true });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await Promise.all(Array.from({ length: 30 }, (_, index) => client.set(`cluster-probe:${index}`, '1', 'PX', 1000)));
        return true;
      } finally {
        client.disconnect();
      }
    },
    { timeoutMs: 15_000, intervalMs: 200, what: 'a cluster client reaching every slot' },
  );
}
