/**
 * Loads the kit's hand-written CRI v1 proto (proto/cri/api.proto) once, for the client and
 * for the reference runtime's server. camelCase field names, enums as strings, int64 as
 * numbers (CRI timestamps in nanoseconds fit a double with sub-microsecond loss, which no
 * claim depends on), defaults filled in.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const CRI_PROTO_PATH = fileURLToPath(new URL('../../../proto/cri/api.proto', import.meta.url));

export interface CriPackage {
  RuntimeService: grpc.ServiceClientConstructor;
  ImageService: grpc.ServiceClientConstructor;
}

let cached: CriPackage | undefined;

export function loadCriPackage(): CriPackage {
  if (cached) return cached;
  const definition = protoLoader.loadSync(CRI_PROTO_PATH, { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { runtime: { v1: CriPackage } };
  cached = loaded.runtime.v1;
  return cached;
}
