/**
 * One apiserver instance: etcd client, watch caches, bootstrap, and the HTTPS server.
 * `startApiServer` resolves once the instance serves; `stop()` closes everything it opened.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createEtcdClient } from '../../../src/clients/etcd/etcd-client.ts';
import { parseCidr } from '../core/allocator.ts';
import { storedResources, storagePrefix } from '../core/resource-table.ts';
import type { UserInfo } from '../core/authorizer.ts';
import type { AuthorizationMode } from './authorize.ts';
import { bootstrap } from './bootstrap.ts';
import type { ApiContext } from './context.ts';
import { createHandler } from './handler.ts';
import { loadSchemaValidator } from './schemas.ts';
import { Storage } from './storage.ts';
import { WatchCache } from './watch-cache.ts';

export interface ApiServerOptions {
  etcdServers: string[];
  etcdTls?: { caPem: string; certPem?: string; keyPem?: string };
  etcdPrefix: string;
  bindAddress: string;
  securePort: number;
  tlsCertPem: string;
  tlsKeyPem: string;
  clientCaPem?: string;
  tokens: ReadonlyMap<string, UserInfo>;
  authorizationModes: AuthorizationMode[];
  serviceClusterIpRange: string;
  serviceNodePortRange: [number, number];
  advertiseAddress: string;
  bookmarkIntervalMs?: number;
  /** Events each watch cache keeps (upstream --default-watch-cache-size). */
  watchCacheSize?: number;
  log: (line: string) => void;
}

export interface RunningApiServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Seconds-precision RFC 3339, as metav1.Time serializes. */
const wallClock = {
  nowIso: () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  nowSeconds: () => Math.floor(Date.now() / 1000),
};

function cryptoRandom(): number {
  return randomBytes(4).readUInt32BE(0) / 2 ** 32;
}

export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const etcd = createEtcdClient({ endpoints: options.etcdServers, ...(options.etcdTls !== undefined ? { tls: options.etcdTls } : {}) });
  const caches = new Map<string, WatchCache>();
  for (const info of storedResources()) caches.set(`${info.group}/${info.resource}`, new WatchCache(etcd, storagePrefix(options.etcdPrefix, info), options.log, options.watchCacheSize ?? 10000));
  const ctx: ApiContext = {
    etcd,
    storage: new Storage(etcd),
    prefix: options.etcdPrefix,
    caches,
    clock: wallClock,
    random: cryptoRandom,
    schemaErrors: loadSchemaValidator(),
    serviceCidr: parseCidr(options.serviceClusterIpRange),
    nodePortRange: options.serviceNodePortRange,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 5000,
    log: options.log,
  };
  // etcd may still be starting: retry the initial sync until it answers.
  for (let attempt = 0; ; attempt++) {
    try {
      await Promise.all([...caches.values()].map((c) => c.start()));
      await bootstrap(ctx);
      break;
    } catch (e) {
      if (attempt >= 120) throw e;
      if (attempt % 10 === 0) options.log(`waiting for etcd at ${options.etcdServers.join(',')}: ${(e as Error).message}`);
      await Promise.all([...caches.values()].map((c) => c.stop()));
      for (const info of storedResources()) caches.set(`${info.group}/${info.resource}`, new WatchCache(etcd, storagePrefix(options.etcdPrefix, info), options.log, options.watchCacheSize ?? 10000));
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  let etcdOk = true;
  const probe = setInterval(() => {
    etcd.range('/registry-health-probe').then(
      () => (etcdOk = true),
      () => (etcdOk = false),
    );
  }, 2000);
  probe.unref();

  const server: Server = createServer(
    {
      cert: options.tlsCertPem,
      key: options.tlsKeyPem,
      ...(options.clientCaPem !== undefined ? { ca: options.clientCaPem, requestCert: true, rejectUnauthorized: false } : {}),
    },
    createHandler(ctx, { tokens: options.tokens, modes: options.authorizationModes, advertiseAddress: `${options.advertiseAddress}:${options.securePort}`, ready: () => etcdOk }),
  );
  server.keepAliveTimeout = 60000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.securePort, options.bindAddress, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.bindAddress === '0.0.0.0' ? '127.0.0.1' : options.bindAddress;
  return {
    port,
    url: `https://${host}:${port}`,
    async stop() {
      clearInterval(probe);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...caches.values()].map((c) => c.stop()));
      etcd.close();
    },
  };
}
