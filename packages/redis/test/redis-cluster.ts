import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type RedisNode, redisCli, replicated, startRedisNode } from './redis-node.js';
import { EPHEMERAL_SERVER_ARGS, freePort, requireRedisServer } from './redis-process.js';

/** How long a primary may be unreachable before the cluster fails it over: short, so that tests stay short,
 * and long enough that a loaded CI machine does not fail a healthy primary over. */
export const CLUSTER_NODE_TIMEOUT_MS = 2_000;

/** A real Redis Cluster on 127.0.0.1: three primaries, each with one replica. */
export interface RedisCluster {
  readonly rootNodes: readonly { readonly host: string; readonly port: number }[];
  readonly nodes: readonly RedisNode[];
  /** The node serving `key`'s slot as primary now, as the cluster itself says. */
  primaryOf(key: string): Promise<RedisNode>;
  /** The live primaries, as the cluster says. */
  primaries(): Promise<RedisNode[]>;
  /** The live replica of `primary`, as `primary` says. */
  replicaOf(primary: RedisNode): Promise<RedisNode>;
  /**
   * Kills the primary serving `key` (SIGKILL) and waits until its replica has taken over and every live
   * node agrees the cluster is healthy again. Resolves with the killed node and the new primary.
   */
  killPrimaryOf(key: string): Promise<{ killed: RedisNode; promoted: RedisNode }>;
  /**
   * Hands `key`'s slot over to the replica of its primary, gracefully (`CLUSTER FAILOVER` on the replica):
   * the old primary becomes its replica. Resolves with both once every node agrees.
   */
  handOverPrimaryOf(key: string): Promise<{ demoted: RedisNode; promoted: RedisNode }>;
  /** The keys matching `pattern` that `node` holds. */
  keysOn(node: RedisNode, pattern: string): Promise<string[]>;
  /** Waits until every primary's replica has acknowledged every write so far. */
  replicate(): Promise<void>;
  /**
   * Starts moving `key`'s slot to another primary, as `redis-cli --cluster reshard` does: marks it
   * importing and migrating, and MIGRATEs its keys. The old owner then answers ASK for them. Resolves with
   * a function that finishes the move (`CLUSTER SETSLOT … NODE` everywhere); the old owner then answers MOVED.
   */
  startMovingSlotOf(key: string): Promise<() => Promise<void>>;
  /** Kills every node and removes their directories. */
  stop(): Promise<void>;
}

/**
 * Starts six `redis-server --cluster-enabled yes` processes on free loopback ports (each in a temporary
 * directory, with its cluster bus on another free port), joins them with `redis-cli --cluster create
 * --cluster-replicas 1`, and waits until every node sees a healthy cluster and every replica is in sync.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  requireRedisServer();
  const root = mkdtempSync(join(tmpdir(), 'rs-redis-cluster-'));
  const nodes: RedisNode[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < 6; index++) {
      const [port, busPort] = await twoFreePorts();
      const dir = join(root, String(port));
      mkdirSync(dir);
      nodes.push(await startRedisNode(port, clusterNodeArgs(port, busPort, dir), dir));
    }
    await redisCli(
      [
        '--cluster',
        'create',
        ...nodes.map((node) => node.address),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      30_000,
    );
    await eventually('the cluster to be healthy', () => healthy(nodes), 30_000);
  } catch (error) {
    await stop();
    throw error;
  }

  const byPort = (port: number) => nodes.find((node) => node.port === port);
  const live = () => nodes.filter((node) => !node.killed);

  async function slotOwners(): Promise<{ slots: [number, number]; primary: RedisNode }[]> {
    const [anyLive] = live();
    if (anyLive === undefined) throw new Error('no live node');
    const owners: { slots: [number, number]; primary: RedisNode }[] = [];
    for (const line of (await redisCli(['-p', String(anyLive.port), 'CLUSTER', 'NODES'])).split('\n')) {
      const [, address, flags, , , , , , ...ranges] = line.split(' ');
      if (address === undefined || !flags?.includes('master') || flags.includes('fail')) continue;
      const node = byPort(Number(address.split('@')[0]?.split(':')[1]));
      for (const range of ranges) {
        const [from, to = from] = range.split('-').map(Number);
        if (node !== undefined && from !== undefined && !range.startsWith('[')) {
          owners.push({ slots: [from, to as number], primary: node });
        }
      }
    }
    return owners;
  }

  async function replicaOf(primary: RedisNode): Promise<RedisNode> {
    const primaryId = (await redisCli(['-p', String(primary.port), 'CLUSTER', 'MYID'])).trim();
    const replicaLine = (await redisCli(['-p', String(primary.port), 'CLUSTER', 'NODES']))
      .split('\n')
      .find((line) => line.split(' ')[3] === primaryId && !line.split(' ')[2]?.includes('fail'));
    const replica = byPort(Number(replicaLine?.split(' ')[1]?.split('@')[0]?.split(':')[1]));
    if (replica === undefined) throw new Error(`the primary on port ${primary.port} has no replica`);
    return replica;
  }

  async function primaryOf(key: string): Promise<RedisNode> {
    const [anyLive] = live();
    const slot = Number((await redisCli(['-p', String(anyLive!.port), 'CLUSTER', 'KEYSLOT', key])).trim());
    const owner = (await slotOwners()).find(({ slots }) => slots[0] <= slot && slot <= slots[1]);
    if (owner === undefined) throw new Error(`no primary serves slot ${slot}`);
    return owner.primary;
  }

  return {
    rootNodes: nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    nodes,
    primaryOf,
    primaries: () => slotOwnersPrimaries(),
    replicaOf,
    async killPrimaryOf(key) {
      const killed = await primaryOf(key);
      await killed.kill();
      let promoted: RedisNode | undefined;
      await eventually(
        'a replica to take over the killed primary’s slots',
        async () => {
          promoted = await primaryOf(key);
          return promoted !== killed && (await healthy(live()));
        },
        // Failure detection (node timeout, then a majority's agreement) and the replica's election.
        20 * CLUSTER_NODE_TIMEOUT_MS,
      );
      return { killed, promoted: promoted! };
    },
    async handOverPrimaryOf(key) {
      const demoted = await primaryOf(key);
      const promoted = await replicaOf(demoted);
      await redisCli(['-p', String(promoted.port), 'CLUSTER', 'FAILOVER']);
      await eventually(
        'the replica to take over and the old primary to follow it',
        async () => (await primaryOf(key)) === promoted && (await healthy(live())),
        20 * CLUSTER_NODE_TIMEOUT_MS,
      );
      return { demoted, promoted };
    },
    async keysOn(node, pattern) {
      const listed = await redisCli(['-p', String(node.port), '--scan', '--pattern', pattern]);
      return listed.split('\n').filter((line) => line.length > 0);
    },
    async replicate() {
      for (const primary of await slotOwnersPrimaries()) {
        await replicated(primary);
      }
    },
    async startMovingSlotOf(key) {
      const source = await primaryOf(key);
      const target = (await slotOwnersPrimaries()).find((primary) => primary !== source)!;
      const cli = (node: RedisNode, ...args: string[]) => redisCli(['-p', String(node.port), ...args]);
      const slot = (await cli(source, 'CLUSTER', 'KEYSLOT', key)).trim();
      const sourceId = (await cli(source, 'CLUSTER', 'MYID')).trim();
      const targetId = (await cli(target, 'CLUSTER', 'MYID')).trim();
      await cli(target, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', sourceId);
      await cli(source, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', targetId);
      const keys = (await cli(source, 'CLUSTER', 'GETKEYSINSLOT', slot, '1000')).split('\n').filter(Boolean);
      if (keys.length > 0) {
        await cli(source, 'MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', ...keys);
      }
      return async () => {
        for (const primary of await slotOwnersPrimaries()) {
          await cli(primary, 'CLUSTER', 'SETSLOT', slot, 'NODE', targetId);
        }
        await eventually('every node to agree on the moved slot', () => healthy(live()), 10_000);
      };
    },
    stop,
  };

  async function slotOwnersPrimaries(): Promise<RedisNode[]> {
    return [...new Set((await slotOwners()).map(({ primary }) => primary))];
  }
}

function clusterNodeArgs(port: number, busPort: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--cluster-port',
    String(busPort),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    String(CLUSTER_NODE_TIMEOUT_MS),
    // A replica takes over however long it was cut off: these tests kill primaries on purpose.
    '--cluster-replica-validity-factor',
    '0',
    ...EPHEMERAL_SERVER_ARGS,
  ];
}

/** Every node says `cluster_state:ok`, and every primary has a replica in sync. */
async function healthy(nodes: readonly RedisNode[]): Promise<boolean> {
  for (const node of nodes) {
    const info = await redisCli(['-p', String(node.port), 'CLUSTER', 'INFO']);
    if (!info.includes('cluster_state:ok')) return false;
    const replication = await redisCli(['-p', String(node.port), 'INFO', 'replication']);
    if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false;
  }
  return true;
}

async function twoFreePorts(): Promise<[number, number]> {
  const first = await freePort();
  let second = await freePort();
  while (second === first) second = await freePort();
  return [first, second];
}
