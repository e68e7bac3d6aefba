/** The etcd flags the reference member understands, parsed as etcd does (`--flag=value` or `--flag value`). */

export interface EtcdFlags {
  name: string;
  dataDir: string;
  listenClientUrls: string[];
  advertiseClientUrls: string[];
  listenPeerUrls: string[];
  initialAdvertisePeerUrls: string[];
  /** name -> peer URLs. */
  initialCluster: Array<{ name: string; peerUrl: string }>;
  initialClusterState: 'new' | 'existing';
  initialClusterToken: string;
  clientCertAuth: boolean;
  trustedCaFile: string | undefined;
  certFile: string | undefined;
  keyFile: string | undefined;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
}

const BOOLEAN = new Set(['client-cert-auth']);
const KNOWN = new Set([
  'name', 'data-dir', 'listen-client-urls', 'advertise-client-urls', 'listen-peer-urls', 'initial-advertise-peer-urls',
  'initial-cluster', 'initial-cluster-state', 'initial-cluster-token', 'client-cert-auth', 'trusted-ca-file', 'cert-file', 'key-file',
  'heartbeat-interval', 'election-timeout',
]);

const list = (v: string | undefined, fallback: string): string[] => (v ?? fallback).split(',').map((s) => s.trim()).filter((s) => s !== '');

export function parseEtcdFlags(argv: readonly string[]): EtcdFlags {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const match = /^--?([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (match === null) throw new Error(`unexpected argument ${arg}`);
    const name = match[1] as string;
    if (!KNOWN.has(name)) throw new Error(`unknown flag --${name}`);
    let value = match[2];
    if (value === undefined) {
      if (BOOLEAN.has(name)) value = 'true';
      else {
        value = argv[++i];
        if (value === undefined) throw new Error(`flag --${name} needs a value`);
      }
    }
    values.set(name, value);
  }
  const name = values.get('name') ?? 'default';
  const peerUrls = list(values.get('initial-advertise-peer-urls'), 'http://localhost:2380');
  const initialCluster = list(values.get('initial-cluster'), `${name}=${peerUrls[0] ?? 'http://localhost:2380'}`).map((entry) => {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`bad --initial-cluster entry ${entry}`);
    return { name: entry.slice(0, eq), peerUrl: entry.slice(eq + 1) };
  });
  const state = values.get('initial-cluster-state') ?? 'new';
  if (state !== 'new' && state !== 'existing') throw new Error(`--initial-cluster-state must be new or existing, not ${state}`);
  return {
    name,
    dataDir: values.get('data-dir') ?? `${name}.etcd`,
    listenClientUrls: list(values.get('listen-client-urls'), 'http://localhost:2379'),
    advertiseClientUrls: list(values.get('advertise-client-urls'), 'http://localhost:2379'),
    listenPeerUrls: list(values.get('listen-peer-urls'), 'http://localhost:2380'),
    initialAdvertisePeerUrls: peerUrls,
    initialCluster,
    initialClusterState: state,
    initialClusterToken: values.get('initial-cluster-token') ?? 'etcd-cluster',
    clientCertAuth: values.get('client-cert-auth') === 'true',
    trustedCaFile: values.get('trusted-ca-file'),
    certFile: values.get('cert-file'),
    keyFile: values.get('key-file'),
    heartbeatIntervalMs: Number(values.get('heartbeat-interval') ?? 100),
    electionTimeoutMs: Number(values.get('election-timeout') ?? 1000),
  };
}
