/** The client-facing gRPC server of a member: all etcd v3 services on one port, TLS optional. */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { etcdPackage } from '../../../src/clients/etcd/etcd-proto.ts';
import type { EtcdMember } from './etcd-member.ts';
import { clusterService } from './services/cluster-service.ts';
import { kvService } from './services/kv-service.ts';
import { leaseService } from './services/lease-service.ts';
import { maintenanceService } from './services/maintenance-service.ts';
import { watchService } from './services/watch-service.ts';

export interface ServerTls {
  certFile: string;
  keyFile: string;
  /** With a trusted CA and clientCertAuth, clients without a certificate it signed are refused. */
  trustedCaFile?: string;
  clientCertAuth: boolean;
}

export interface ClientServer {
  /** The bound address, e.g. 127.0.0.1:2379. */
  readonly address: string;
  stop(): Promise<void>;
}

export async function startClientServer(member: EtcdMember, listen: URL, tls: ServerTls | undefined, newMemberId: (peerURLs: readonly string[]) => bigint): Promise<ClientServer> {
  const pkg = etcdPackage();
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
  server.addService(pkg.KV.service, kvService(member));
  server.addService(pkg.Watch.service, watchService(member));
  server.addService(pkg.Lease.service, leaseService(member));
  server.addService(pkg.Cluster.service, clusterService(member, newMemberId));
  server.addService(pkg.Maintenance.service, maintenanceService(member));
  const credentials = tls === undefined
    ? grpc.ServerCredentials.createInsecure()
    : grpc.ServerCredentials.createSsl(
      tls.trustedCaFile === undefined ? null : readFileSync(tls.trustedCaFile),
      [{ cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) }],
      tls.clientCertAuth,
    );
  const host = listen.hostname.startsWith('[') ? listen.hostname : listen.hostname;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${listen.port || '2379'}`, credentials, (error, p) => (error ? reject(error) : resolve(p)));
  });
  return {
    address: `${host}:${port}`,
    stop: () => new Promise<void>((resolve) => {
      const timer = setTimeout(() => server.forceShutdown(), 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    }),
  };
}
