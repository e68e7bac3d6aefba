// A RaftNode as a child process, driven over stdin/stdout, so tests can SIGKILL it at any
// moment. Input lines: `put <value>`, `dump`, `status`. Output lines: `ok <value> <index>`,
// `err <value> <message>`, `state <json>`, `status <json>`, and `ready <peerUrl>` at start.
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { RaftNode } from '../raft-node.ts';
import { ListMachine } from './test-cluster.ts';

export interface MemberProcessConfig {
  id: string;
  peers: Array<{ id: string; peerUrl: string }>;
  listenPeerUrl: string;
  dataDir: string;
  snapshotCount?: number;
}

async function main(config: MemberProcessConfig): Promise<void> {
  const machine = new ListMachine();
  const node = await RaftNode.start({
    id: BigInt(config.id),
    peers: config.peers.map((p) => ({ id: BigInt(p.id), peerUrl: p.peerUrl })),
    listenPeerUrl: config.listenPeerUrl,
    dataDir: config.dataDir,
    tickMs: 50,
    ...(config.snapshotCount === undefined ? {} : { snapshotCount: config.snapshotCount, snapshotCatchUpEntries: 10 }),
    apply: machine.apply,
    snapshot: machine.snapshot,
    restore: machine.restore,
  });
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  out(`ready ${node.peerUrl}`);
  const stop = (): void => {
    node.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, value = ''] = line.split(' ');
    if (cmd === 'put') {
      node.propose(new TextEncoder().encode(value), { timeoutMs: 10000 }).then(
        (r) => out(`ok ${value} ${r.index}`),
        (e: unknown) => out(`err ${value} ${e instanceof Error ? e.message : String(e)}`),
      );
    } else if (cmd === 'dump') {
      out(`state ${JSON.stringify(machine.values)}`);
    } else if (cmd === 'status') {
      const s = node.status();
      out(`status ${JSON.stringify({ role: s.role, leader: s.leaderId?.toString() ?? null, applied: s.appliedIndex.toString() })}`);
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(JSON.parse(process.argv[2] ?? '{}') as MemberProcessConfig).catch((err: unknown) => {
    process.stderr.write(`raft-member-process: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
