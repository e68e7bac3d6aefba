/** An error a gRPC handler returns, with the status code and message real etcd uses. */
import { status } from '@grpc/grpc-js';

export class EtcdServerError extends Error {
  constructor(readonly code: status, message: string) {
    super(message);
    this.name = 'EtcdServerError';
  }
}

/** etcd's gRPC codes for store errors (etcdserver/api/v3rpc/rpctypes). */
export function fromApplyError(code: string, message: string): EtcdServerError {
  const text = message.startsWith('etcdserver: ') ? message : `etcdserver: ${message}`;
  switch (code) {
    case 'compacted':
    case 'future-revision':
      return new EtcdServerError(status.OUT_OF_RANGE, text);
    case 'lease-not-found':
    case 'key-not-found':
      return new EtcdServerError(status.NOT_FOUND, text);
    case 'lease-exists':
      return new EtcdServerError(status.FAILED_PRECONDITION, text);
    default:
      return new EtcdServerError(status.INVALID_ARGUMENT, text);
  }
}

export const requestTimedOut = (): EtcdServerError => new EtcdServerError(status.UNAVAILABLE, 'etcdserver: request timed out');
export const noLeader = (): EtcdServerError => new EtcdServerError(status.UNAVAILABLE, 'etcdserver: no leader');
