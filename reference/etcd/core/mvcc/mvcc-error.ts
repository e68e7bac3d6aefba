/** Errors of the store, with the messages etcd clients know (the shell maps them to gRPC codes). */
export type MvccErrorCode = 'compacted' | 'future-revision' | 'lease-not-found' | 'lease-exists' | 'key-not-found' | 'invalid-request';

const messages: Record<MvccErrorCode, string> = {
  'compacted': 'mvcc: required revision has been compacted',
  'future-revision': 'mvcc: required revision is a future revision',
  'lease-not-found': 'etcdserver: requested lease not found',
  'lease-exists': 'etcdserver: lease already exists',
  'key-not-found': 'etcdserver: key not found',
  'invalid-request': 'etcdserver: invalid request',
};

export class MvccError extends Error {
  constructor(readonly code: MvccErrorCode, detail?: string) {
    super(detail === undefined ? messages[code] : `${messages[code]}: ${detail}`);
    this.name = 'MvccError';
  }
}
