/**
 * Loads the kit's own etcd v3 .proto files (proto/etcd/) once, for the client and the
 * reference server alike. int64/uint64 arrive as decimal strings (ids are full 64-bit values
 * that a JS number cannot hold); callers convert at the edge.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const protoDir = fileURLToPath(new URL('../../../proto/etcd/', import.meta.url));

export const etcdLoaderOptions: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [protoDir],
};

let cached: grpc.GrpcObject | undefined;

/** The `etcdserverpb` package: KV, Watch, Lease, Cluster and Maintenance service constructors. */
export function etcdPackage(): EtcdServices {
  if (cached === undefined) {
    const definition = protoLoader.loadSync(['rpc.proto', 'kv.proto'], etcdLoaderOptions);
    cached = grpc.loadPackageDefinition(definition);
  }
  return cached['etcdserverpb'] as unknown as EtcdServices;
}

export interface EtcdServices {
  KV: grpc.ServiceClientConstructor;
  Watch: grpc.ServiceClientConstructor;
  Lease: grpc.ServiceClientConstructor;
  Cluster: grpc.ServiceClientConstructor;
  Maintenance: grpc.ServiceClientConstructor;
}

/** First key after every key that starts with `prefix`, as etcd clients compute it. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] ?? 0) < 0xff) {
      end[i] = (end[i] ?? 0) + 1;
      return end.subarray(0, i + 1);
    }
  }
  // Every byte is 0xff (or the prefix is empty): the range runs to the end of the keyspace.
  return Buffer.from([0]);
}
