import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftNode } from '../raft-node.ts';
import type { RaftNodeOptions, RaftPeer } from '../raft-node.ts';
import { freePort } from '../../../../../src/process/free-port.ts';

/** The simplest state machine: the list of applied values. */
export class ListMachine {
  values: string[] = [];
  apply = (e: { data: Uint8Array }): void => {
    this.values.push(new TextDecoder().decode(e.data));
  };
  snapshot = (): Uint8Array => new TextEncoder().encode(JSON.stringify(this.values));
  restore = (data: Uint8Array): void => {
    this.values = JSON.parse(new TextDecoder().decode(data)) as string[];
  };
}

export interface Member {
  peer: RaftPeer;
  dir: string;
  machine: ListMachine;
  node: RaftNode | undefined;
}

/** In-process RaftNodes on loopback, each with its own temp data dir. */
export class TestCluster {
  readonly members = new Map<bigint, Member>();
  private constructor(private readonly root: string, private readonly extra: Partial<RaftNodeOptions>) {}

  static async start(size: number, extra: Partial<RaftNodeOptions> = {}): Promise<TestCluster> {
    const c = new TestCluster(await mkdtemp(join(tmpdir(), 'kck-raft-')), extra);
    try {
      for (let i = 1; i <= size; i++) await c.define(BigInt(i));
      const peers = [...c.members.values()].map((m) => m.peer);
      for (const id of c.members.keys()) await c.startMember(id, peers);
    } catch (err) {
      await c.close();
      throw err;
    }
    return c;
  }

  async define(id: bigint): Promise<Member> {
    const m: Member = { peer: { id, peerUrl: `http://127.0.0.1:${await freePort()}` }, dir: join(this.root, `m${id}`), machine: new ListMachine(), node: undefined };
    this.members.set(id, m);
    return m;
  }

  member(id: bigint): Member {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  node(id: bigint): RaftNode {
    const n = this.member(id).node;
    if (n === undefined) throw new Error(`member ${id} is stopped`);
    return n;
  }

  async startMember(id: bigint, peers: RaftPeer[] = [...this.members.values()].map((m) => m.peer)): Promise<RaftNode> {
    const m = this.member(id);
    m.machine = new ListMachine();
    m.node = await RaftNode.start({
      id, peers, listenPeerUrl: m.peer.peerUrl, dataDir: m.dir, tickMs: 50, seed: Number(id) * 7919,
      apply: m.machine.apply, snapshot: m.machine.snapshot, restore: m.machine.restore,
      log: () => { /* quiet in tests */ },
      ...this.extra,
    });
    return m.node;
  }

  async stopMember(id: bigint): Promise<void> {
    const m = this.member(id);
    const n = m.node;
    m.node = undefined;
    await n?.stop();
  }

  running(): RaftNode[] {
    return [...this.members.values()].flatMap((m) => (m.node === undefined ? [] : [m.node]));
  }

  /** The leader all running members agree on, once there is one. */
  async leader(deadlineMs = 20000): Promise<RaftNode> {
    return waitFor('a leader', deadlineMs, () => {
      const nodes = this.running();
      const l = nodes.find((n) => n.status().role === 'leader');
      return l !== undefined && nodes.every((n) => n.status().leaderId === l.id) ? l : undefined;
    });
  }

  async close(): Promise<void> {
    for (const id of this.members.keys()) await this.stopMember(id).catch(() => undefined);
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Poll `probe` until it returns a value, or fail after `deadlineMs`. */
export async function waitFor<T>(what: string, deadlineMs: number, probe: () => T | undefined | false): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
