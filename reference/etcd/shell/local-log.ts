/**
 * A one-member "replicated" log: each entry is appended to a write-ahead file and fsynced
 * before it is applied and acknowledged, so a SIGKILLed member restarts with every
 * acknowledged write. Used when the member has no peers and as the stand-in until Raft runs.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LogCallbacks, LogStatus, ReplicatedLog } from './replicated-log.ts';

export class LocalLog implements ReplicatedLog {
  private readonly fd: number;
  private index = 0n;

  private constructor(private readonly memberId: bigint, dataDir: string, private readonly callbacks: LogCallbacks) {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'local.wal');
    if (existsSync(path)) {
      // Replay: one base64 entry per line; a torn last line (killed mid-write) was never acknowledged.
      const lines = readFileSync(path, 'utf8').split('\n');
      lines.pop(); // '' after the last newline, or a torn line
      for (const line of lines) {
        this.index += 1n;
        callbacks.apply(Buffer.from(line, 'base64'));
      }
    }
    this.fd = openSync(path, 'a');
  }

  static start(memberId: bigint, dataDir: string, callbacks: LogCallbacks): LocalLog {
    const log = new LocalLog(memberId, dataDir, callbacks);
    callbacks.onLeaderChange?.(memberId);
    return log;
  }

  propose(data: Uint8Array): Promise<void> {
    writeSync(this.fd, `${Buffer.from(data).toString('base64')}\n`);
    fsyncSync(this.fd);
    this.index += 1n;
    this.callbacks.apply(data);
    return Promise.resolve();
  }

  readBarrier(): Promise<void> {
    return Promise.resolve();
  }

  status(): LogStatus {
    return { memberId: this.memberId, leaderId: this.memberId, term: 1n, commitIndex: this.index, appliedIndex: this.index };
  }

  addMember(): Promise<void> {
    return Promise.reject(new Error('etcdserver: this member runs without Raft peers and cannot add members'));
  }

  removeMember(): Promise<void> {
    return Promise.reject(new Error('etcdserver: this member runs without Raft peers and cannot remove members'));
  }

  stop(): Promise<void> {
    closeSync(this.fd);
    return Promise.resolve();
  }
}
