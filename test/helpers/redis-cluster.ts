import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { freePort } from './process.js';
import { pingRedis } from './redis-server.js';

const run = promisify(execFile);

export interface RedisClusterHandle {
  /** One node's URL; the client discovers the others. */
  readonly url: string;
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

/**
 * Three masters from Debian's redis-server, joined with `redis-cli --cluster
 * create`, each in its own temp folder, stopped by pid.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cluster-'));
  const processes: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      processes.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) {
              resolve();
              return;
            }
            child.once('exit', () => {
              resolve();
            });
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < masters; index++) {
      const port = await freePort();
      const directory = path.join(root, String(port));
      mkdtempSync(`${directory}-`);
      const child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `${directory}-nodes.conf`, '--save', '', '--appendonly', 'no', '--dir', root],
        { stdio: 'ignore' },
      );
      processes.push(child);
      ports.push(port);
    }
    for (const port of ports) {
      const deadline = Date.now() + 5000;
      while (!(await pingRedis(port))) {
        if (Date.now() > deadline) throw new Error(`cluster node ${port} did not start`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    // Wait until every node agrees the cluster is up.
    const deadline = Date.now() + 10_000;
    for (const port of ports) {
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        if (stdout.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error('the cluster did not become ready');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await waitUntilClientsCanUse(ports[0] ?? 0);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${ports[0] ?? 0}`, ports, stop };
}

/** `cluster_state:ok` on every node is not enough: wait until a client's slot map works for keys in every slot range. */
async function waitUntilClientsCanUse(port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const client = new Cluster([{ host: '127.0.0.1', port }], { lazyConnect: true });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await Promise.all(Array.from({ length: 30 }, (_, index) => client.set(`cluster-probe:${index}`, '1', 'PX', 1000)));
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      client.disconnect();
    }
  }
}
