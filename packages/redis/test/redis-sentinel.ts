import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type RedisNode, redisCli, startRedisNode } from './redis-node.js';
import { EPHEMERAL_SERVER_ARGS, freePort, requireRedisServer } from './redis-process.js';

/** The name the sentinels monitor the primary under. */
export const SENTINEL_MASTER_NAME = 'rs-main';
/** How long the primary may be unreachable before a sentinel calls it down: short, so that tests stay short. */
export const SENTINEL_DOWN_AFTER_MS = 2_000;

/** A real Sentinel setup on 127.0.0.1: a primary, a replica and three sentinels (quorum two). */
export interface RedisSentinelSetup {
  readonly sentinelRootNodes: readonly { readonly host: string; readonly port: number }[];
  /** The data nodes: the first started as primary, the second as its replica. */
  readonly dataNodes: readonly RedisNode[];
  /** The data node the sentinels name as primary now. */
  primary(): Promise<RedisNode>;
  /**
   * Kills the primary (SIGKILL) and waits until the sentinels have promoted the replica and it accepts
   * writes. Resolves with the killed node and the new primary.
   */
  killPrimary(): Promise<{ killed: RedisNode; promoted: RedisNode }>;
  /**
   * Asks the sentinels for a failover (`SENTINEL FAILOVER`): the replica is promoted and the old primary,
   * still running, becomes its replica. Resolves once it is in sync and every sentinel knows it as such.
   */
  handOver(): Promise<{ demoted: RedisNode; promoted: RedisNode }>;
  /** Kills every process and removes their directories. */
  stop(): Promise<void>;
}

/**
 * Starts a primary and a replica (`redis-server --replicaof`), then three `redis-server --sentinel`
 * processes monitoring the primary, each with its own config file in a temporary directory; waits until the
 * replica is in sync and every sentinel knows the replica and the two other sentinels.
 */
export async function startRedisSentinel(): Promise<RedisSentinelSetup> {
  requireRedisServer();
  const root = mkdtempSync(join(tmpdir(), 'rs-redis-sentinel-'));
  const dataNodes: RedisNode[] = [];
  const sentinels: RedisNode[] = [];
  const stop = async () => {
    await Promise.all([...dataNodes, ...sentinels].map((node) => node.kill()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const primaryPort = await freePort();
    for (const replicaOf of [undefined, primaryPort]) {
      const port = replicaOf === undefined ? primaryPort : await freePort();
      const dir = join(root, `data-${port}`);
      mkdirSync(dir);
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...EPHEMERAL_SERVER_ARGS];
      if (replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(replicaOf));
      dataNodes.push(await startRedisNode(port, args, dir));
    }
    await eventually('the replica to sync', () => replicaInSync(dataNodes[1]!), 20_000);
    for (let index = 0; index < 3; index++) {
      const port = await freePort();
      const dir = join(root, `sentinel-${port}`);
      mkdirSync(dir);
      const config = join(dir, 'sentinel.conf');
      writeFileSync(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          'loglevel warning',
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${SENTINEL_DOWN_AFTER_MS}`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      sentinels.push(await startRedisNode(port, [config, '--sentinel'], dir));
    }
    await eventually(
      'the sentinels to know the replica and each other',
      () => sentinelsReady(sentinels),
      30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  async function primary(): Promise<RedisNode> {
    for (const sentinel of sentinels) {
      if (sentinel.killed) continue;
      const reply = await redisCli([
        '-p',
        String(sentinel.port),
        'SENTINEL',
        'GET-MASTER-ADDR-BY-NAME',
        SENTINEL_MASTER_NAME,
      ]);
      const port = Number(reply.trim().split('\n')[1]);
      const node = dataNodes.find((candidate) => candidate.port === port);
      if (node !== undefined) return node;
    }
    throw new Error('no sentinel names a known primary');
  }

  return {
    sentinelRootNodes: sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port })),
    dataNodes,
    primary,
    async handOver() {
      const demoted = await primary();
      await redisCli(['-p', String(sentinels[0]!.port), 'SENTINEL', 'FAILOVER', SENTINEL_MASTER_NAME]);
      let promoted: RedisNode | undefined;
      await eventually(
        'the replica to be promoted and the old primary to follow it',
        async () => {
          promoted = await primary();
          return promoted !== demoted && (await replicaInSync(demoted)) && (await sentinelsReady(sentinels));
        },
        20 * SENTINEL_DOWN_AFTER_MS,
      );
      return { demoted, promoted: promoted! };
    },
    async killPrimary() {
      const killed = await primary();
      await killed.kill();
      let promoted: RedisNode | undefined;
      await eventually(
        'the sentinels to promote the replica',
        async () => {
          promoted = await primary();
          if (promoted === killed) return false;
          const role = await redisCli(['-p', String(promoted.port), 'ROLE']);
          return role.startsWith('master');
        },
        // Down-after, agreement of a quorum, leader election and promotion.
        20 * SENTINEL_DOWN_AFTER_MS,
      );
      return { killed, promoted: promoted! };
    },
    stop,
  };
}

async function replicaInSync(replica: RedisNode): Promise<boolean> {
  return (await redisCli(['-p', String(replica.port), 'INFO', 'replication'])).includes(
    'master_link_status:up',
  );
}

async function sentinelsReady(sentinels: readonly RedisNode[]): Promise<boolean> {
  for (const sentinel of sentinels) {
    const port = String(sentinel.port);
    const replicas = await redisCli(['-p', port, 'SENTINEL', 'REPLICAS', SENTINEL_MASTER_NAME]);
    const peers = await redisCli(['-p', port, 'SENTINEL', 'SENTINELS', SENTINEL_MASTER_NAME]);
    const peerCount = peers.split('\n').filter((line) => line === 'runid').length;
    if (!replicas.includes('slave') || peerCount < sentinels.length - 1) return false;
  }
  return true;
}
