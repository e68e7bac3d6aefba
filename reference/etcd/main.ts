/**
 * `kck etcd`: one reference etcd member, started with the flags real etcd users know.
 * Peers replicate through Raft (shell/raft); a member whose initial cluster is only itself
 * and whose Raft node is unavailable runs on a local write-ahead log.
 */
import { pathToFileURL } from 'node:url';
import { parseEtcdFlags } from './core/etcd-flags.ts';
import { EtcdMember } from './shell/etcd-member.ts';
import { startClientServer, type ClientServer } from './shell/grpc-server.ts';
import { LocalLog } from './shell/local-log.ts';
import { clusterIdOf, memberIdOf } from './shell/member-id.ts';
import { startRaftLog } from './shell/raft-log.ts';

export async function main(argv: string[]): Promise<void> {
  const flags = parseEtcdFlags(argv);
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} etcd[${flags.name}] ${line}\n`);
  };
  const token = flags.initialClusterToken;
  const memberId = memberIdOf(flags.initialAdvertisePeerUrls, token);
  const initialMembers = flags.initialCluster.map((m) => ({
    id: memberIdOf([m.peerUrl], token).toString(), name: m.name, peerURLs: [m.peerUrl], clientURLs: [] as string[], isLearner: false,
  }));
  const clusterId = clusterIdOf([memberIdOf([token], '')]);
  const peers = initialMembers.map((m) => ({ id: BigInt(m.id), peerUrl: m.peerURLs[0] as string }));
  const alone = peers.length === 1 && peers[0]?.id === memberId && flags.initialClusterState === 'new';
  // Removal can come while the log replays, before anything serves: remember it from the start.
  let removed = (): void => undefined;
  const removal = new Promise<string>((resolve) => {
    removed = () => resolve('the member has been permanently removed from the cluster');
  });
  const member = new EtcdMember({
    memberId, clusterId, name: flags.name, clientURLs: flags.advertiseClientUrls, initialMembers, log,
    onRemoved: () => removed(),
    startLog: async (callbacks) => {
      if (alone && process.env['KCK_ETCD_RAFT'] !== '1') return LocalLog.start(memberId, flags.dataDir, callbacks);
      return startRaftLog({ memberId, peers, listenPeerUrl: flags.listenPeerUrls[0] ?? 'http://localhost:2380', dataDir: flags.dataDir, flags, callbacks, log });
    },
  });
  await member.start();
  log(`member ${memberId.toString(16)} started (cluster ${clusterId.toString(16)}, ${alone ? 'local log' : 'raft'})`);

  const tls = flags.certFile !== undefined && flags.keyFile !== undefined
    ? { certFile: flags.certFile, keyFile: flags.keyFile, clientCertAuth: flags.clientCertAuth, ...(flags.trustedCaFile === undefined ? {} : { trustedCaFile: flags.trustedCaFile }) }
    : undefined;
  const servers: ClientServer[] = [];
  for (const url of flags.listenClientUrls) {
    const server = await startClientServer(member, new URL(url), tls, (peerURLs) => memberIdOf(peerURLs, token));
    servers.push(server);
    log(`serving clients on ${server.address}${tls ? ' (TLS' + (flags.clientCertAuth ? ', client certificates required)' : ')') : ''}`);
  }

  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('received SIGTERM'));
    process.once('SIGINT', () => resolve('received SIGINT'));
  });
  log(`${await Promise.race([signalled, removal])}, stopping`);
  await Promise.all(servers.map((s) => s.stop()));
  await member.stop();
  log('stopped');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`etcd: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
