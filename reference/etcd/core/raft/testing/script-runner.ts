import { decodeConfChange, encodeConfChange } from '../codec.ts';
import { RawNode } from '../raw-node.ts';
import { seededRandom } from '../seeded-random.ts';
import type { Entry, HardState, Message, Snapshot } from '../types.ts';

/**
 * Data-driven Raft scripts (in the style of etcd-io/raft's testdata): a file of blocks
 *
 *   command args...
 *   ----
 *   expected output
 *
 * separated by blank lines. Time only moves when a script says so (`tick`), messages only
 * move on `stabilize` (delivered in order, each printed), so the trace is exact.
 *
 * Commands: add-nodes N [pre-vote=false] [check-quorum=false] | campaign ID | propose ID TEXT |
 * tick ID [N] | stabilize | status [ID] | log ID | partition A,B/C,D | heal |
 * read-index ID CTX | read-states ID | transfer-leader FROM TO | conf ID add|remove N |
 * crash ID | restart ID | deliver (one round only) | drop-from ID (lose its queued messages)
 */
interface Node {
  raw: RawNode | undefined;
  hardState?: HardState;
  snapshot?: Snapshot;
  entries: Entry[];
  applied: string[];
  readStates: string[];
}

const dec = new TextDecoder();
const enc = new TextEncoder();

export class ScriptRunner {
  private nodes = new Map<bigint, Node>();
  private queue: Message[] = [];
  private blocked = new Set<string>();
  private config = { preVote: true, checkQuorum: true };
  private ids: bigint[] = [];

  run(script: string): string {
    const blocks = script.split(/\n\s*\n/).map((b) => b.trim()).filter((b) => b !== '');
    const out: string[] = [];
    for (const block of blocks) {
      if (block.startsWith('#')) {
        out.push(block); // comments are kept as they are
        continue;
      }
      const cmd = (block.split('\n----')[0] ?? '').trim();
      out.push(`${cmd}\n----\n${this.exec(cmd).join('\n') || 'ok'}`);
    }
    return `${out.join('\n\n')}\n`;
  }

  private exec(line: string): string[] {
    const [cmd = '', ...args] = line.split(/\s+/);
    const id = (i: number): bigint => BigInt(args[i] ?? '0');
    switch (cmd) {
      case 'add-nodes': {
        const n = Number(args[0]);
        for (const a of args.slice(1)) {
          const [k, v] = a.split('=');
          if (k === 'pre-vote') this.config.preVote = v === 'true';
          if (k === 'check-quorum') this.config.checkQuorum = v === 'true';
        }
        this.ids = Array.from({ length: n }, (_, i) => BigInt(i + 1));
        for (const i of this.ids) {
          const node: Node = { raw: undefined, entries: [], applied: [], readStates: [] };
          this.nodes.set(i, node);
          this.boot(i, node);
        }
        return [];
      }
      case 'campaign': this.raw(id(0)).campaign(); return this.process(id(0));
      case 'propose': return [this.raw(id(0)).propose(enc.encode(args[1] ?? '')) ? 'accepted' : 'dropped', ...this.process(id(0))];
      case 'tick': {
        const out: string[] = [];
        for (let i = 0; i < Number(args[1] ?? 1); i++) {
          this.raw(id(0)).tick();
          out.push(...this.process(id(0)));
        }
        return out;
      }
      case 'stabilize': return this.stabilize();
      case 'deliver': return this.deliverOnce();
      case 'drop-from': {
        const from = id(0);
        const dropped = this.queue.filter((m) => m.from === from);
        this.queue = this.queue.filter((m) => m.from !== from);
        return dropped.map((m) => `DROP ${describe(m)}`);
      }
      case 'status': return (args.length > 0 ? [id(0)] : this.ids).map((i) => this.status(i));
      case 'log': {
        const log = this.raw(id(0)).raft.log;
        return log.slice(log.firstIndex(), log.lastIndex() + 1).map((e) => `${e.index}/${e.term} ${describeEntry(e)}`);
      }
      case 'partition':
        this.blocked.clear();
        for (const a of this.ids) for (const b of this.ids) {
          const group = (x: bigint) => (args[0] ?? '').split('/').findIndex((g) => g.split(',').includes(String(x)));
          if (a !== b && group(a) !== group(b)) this.blocked.add(`${a}-${b}`);
        }
        return [];
      case 'heal': this.blocked.clear(); return [];
      case 'read-index': return [this.raw(id(0)).readIndex(args[1] ?? '') ? 'accepted' : 'dropped', ...this.process(id(0))];
      case 'read-states': return this.node(id(0)).readStates.splice(0);
      case 'transfer-leader': this.raw(id(0)).transferLeader(id(1)); return this.process(id(0));
      case 'conf': {
        const ok = this.raw(id(0)).proposeConfChange({ type: args[1] === 'add' ? 'add' : 'remove', nodeId: id(2), peerUrl: `n${args[2]}` }, encodeConfChange);
        return [ok ? 'accepted' : 'dropped', ...this.process(id(0))];
      }
      case 'crash': this.node(id(0)).raw = undefined; return [];
      case 'restart': this.boot(id(0), this.node(id(0))); return [];
      default: throw new Error(`unknown command ${cmd}`);
    }
  }

  private boot(id: bigint, n: Node): void {
    n.raw = new RawNode(
      { id, electionTicks: 10, heartbeatTicks: 1, random: seededRandom(Number(id)), preVote: this.config.preVote, checkQuorum: this.config.checkQuorum },
      {
        entries: n.entries.map((e) => ({ ...e })),
        ...(n.hardState === undefined ? {} : { hardState: n.hardState }),
        ...(n.snapshot === undefined ? { members: this.ids.map((i) => ({ id: i, peerUrl: `n${i}` })) } : { snapshot: n.snapshot }),
      },
    );
    n.applied = [];
  }

  private node(id: bigint): Node {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  private raw(id: bigint): RawNode {
    const r = this.node(id).raw;
    if (r === undefined) throw new Error(`node ${id} is down`);
    return r;
  }

  private status(id: bigint): string {
    const r = this.node(id).raw?.raft;
    if (r === undefined) return `${id}: down`;
    return `${id}: ${r.role} term=${r.term} lead=${r.lead} commit=${r.log.committed} last=${r.log.lastIndex()} applied=[${this.node(id).applied.join(' ')}]`;
  }

  /** Persist, queue messages, apply; returns the entries applied. */
  private process(id: bigint): string[] {
    const n = this.node(id);
    const raw = n.raw;
    const out: string[] = [];
    if (raw === undefined) return out;
    while (raw.hasReady()) {
      const rd = raw.ready();
      if (rd.snapshot !== undefined) {
        n.snapshot = rd.snapshot;
        n.entries = [];
      }
      const first = rd.entries[0];
      if (first !== undefined) n.entries = n.entries.filter((e) => e.index < first.index).concat(rd.entries.map((e) => ({ ...e })));
      if (rd.hardState !== undefined) n.hardState = rd.hardState;
      this.queue.push(...rd.messages);
      for (const e of rd.committedEntries) {
        if (e.type === 'conf-change') raw.applyConfChange(decodeConfChange(e.data));
        if (e.data.length > 0) n.applied.push(describeEntry(e));
        out.push(`${id} applied ${e.index}/${e.term} ${describeEntry(e)}`);
      }
      for (const rs of rd.readStates) n.readStates.push(`${rs.context}@${rs.index}`);
      raw.advance(rd);
    }
    return out;
  }

  private stabilize(): string[] {
    const out: string[] = [];
    for (let round = 0; round < 1000; round++) {
      for (const id of this.ids) out.push(...this.process(id));
      if (this.queue.length === 0) return out;
      out.push(...this.deliverOnce());
    }
    throw new Error('stabilize: no fixpoint after 1000 rounds');
  }

  /** Deliver the messages queued right now (not the answers they cause), then let every
   *  live member handle its Ready: what they send stays queued. */
  private deliverOnce(): string[] {
    const out: string[] = [];
    const batch = this.queue.splice(0);
    for (const m of batch) {
      const to = this.nodes.get(m.to);
      const lost = this.blocked.has(`${m.from}-${m.to}`) || to?.raw === undefined;
      out.push(`${lost ? 'DROP ' : ''}${describe(m)}`);
      if (!lost) to?.raw?.step(m);
    }
    for (const id of this.ids) out.push(...this.process(id));
    return out;
  }
}

function describeEntry(e: Entry): string {
  if (e.type === 'conf-change') {
    const cc = decodeConfChange(e.data);
    return `conf:${cc.type}:${cc.nodeId}`;
  }
  return e.data.length === 0 ? 'noop' : dec.decode(e.data);
}

export function describe(m: Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} term=${m.term}`];
  if (m.type === 'app' || m.type === 'vote' || m.type === 'pre-vote') parts.push(`logTerm=${m.logTerm} index=${m.index}`);
  if (m.type === 'app-resp') parts.push(`index=${m.index}`);
  if (m.entries.length > 0) parts.push(`entries=[${m.entries.map((e) => `${e.index}/${e.term} ${describeEntry(e)}`).join(', ')}]`);
  if (m.type === 'app' || m.type === 'heartbeat') parts.push(`commit=${m.commit}`);
  if (m.reject) parts.push(`reject hint=${m.rejectHint}`);
  if (m.context !== '') parts.push(`ctx=${m.context}`);
  if (m.snapshot !== undefined) parts.push(`snapshot=${m.snapshot.meta.index}/${m.snapshot.meta.term}`);
  return parts.join(' ');
}
