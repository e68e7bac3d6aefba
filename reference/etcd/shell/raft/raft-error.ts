/** Errors of RaftNode operations, with a code a server can map to its own error (etcd's
 *  "etcdserver: request timed out", "etcdserver: server stopped", ...). */
export type RaftErrorCode = 'timeout' | 'stopped' | 'not-member' | 'bad-data-dir';

export class RaftError extends Error {
  constructor(readonly code: RaftErrorCode, message: string) {
    super(`raft: ${message}`);
    this.name = 'RaftError';
  }
}
