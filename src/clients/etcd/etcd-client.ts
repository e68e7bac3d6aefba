/**
 * The kit's etcd v3 client: implements the `Etcd` port over gRPC against any etcd (the
 * reference or a real one). Unary calls go to the last endpoint that answered and fail over
 * to the next one only when that cannot repeat an effect: reads on any refusal but a timeout;
 * writes only when the endpoint never got the request (no connection) or refused it before
 * proposing it ("no leader"). A write whose connection dropped, or that timed out, may have
 * been applied: sent again elsewhere it could be applied twice, so the error is the caller's
 * (as etcd's own client retries mutations only when it is safe).
 */
import * as grpc from '@grpc/grpc-js';
import type {
  Compare, Etcd, EtcdWatch, EtcdWatchEvent, KeyValue, Member, MemberStatus, RangeOptions, RangeResult, ResponseHeader, TxnOp, TxnResult,
} from '../../ports/etcd.ts';
import { etcdPackage } from './etcd-proto.ts';
import { openWatch } from './etcd-watch.ts';
import {
  keyRange, rangeRequest, toHeader, toKeyValue, toMember, toWireCompare, toWireOp,
  type WireHeader, type WireKeyValue, type WireMember,
} from './wire.ts';

export interface EtcdTlsOptions {
  caPem: string | Buffer;
  certPem?: string | Buffer;
  keyPem?: string | Buffer;
}

export interface EtcdClientOptions {
  /** Client URLs such as http://127.0.0.1:2379 or https://127.0.0.1:2379. */
  endpoints: readonly string[];
  tls?: EtcdTlsOptions;
  /** Deadline of each call; default 5 s. */
  callTimeoutMs?: number;
}

type ServiceName = 'KV' | 'Watch' | 'Lease' | 'Cluster' | 'Maintenance';
type Unary = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/** The error a failed etcd call rejects with; `code` is the gRPC status. */
export class EtcdError extends Error {
  constructor(message: string, readonly code: number, readonly endpoint: string) {
    super(message);
    this.name = 'EtcdError';
  }
}

/** Calls without effects: sending them again elsewhere is always safe. */
const READ_ONLY_METHODS: ReadonlySet<string> = new Set(['Range', 'LeaseTimeToLive', 'MemberList', 'Status']);

/** Refusals that prove the endpoint did not act on the request: no connection, or no leader to propose to. */
const NEVER_ACTED_ON = /No connection established|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|etcdserver: no leader/;

export function grpcTarget(endpoint: string): string {
  const url = new URL(endpoint.includes('://') ? endpoint : `http://${endpoint}`);
  return url.host;
}

export class EtcdClient implements Etcd {
  readonly endpoints: readonly string[];
  private readonly clients = new Map<string, Map<ServiceName, grpc.Client>>();
  private preferred = 0;
  private readonly timeoutMs: number;
  private readonly credentials: grpc.ChannelCredentials;
  private closed = false;
  /**
   * Real etcd lease ids use all 64 bits, which a JS number (the port's type) rounds. The
   * client remembers the exact decimal id behind each rounded number it handed out.
   */
  private readonly leaseIds = new Map<number, string>();

  private leaseOut(id: string): number {
    const n = Number(id);
    if (String(n) !== id) this.leaseIds.set(n, id);
    return n;
  }

  private leaseIn(id: number | undefined): string {
    if (id === undefined) return '0';
    return this.leaseIds.get(id) ?? String(id);
  }

  constructor(private readonly options: EtcdClientOptions) {
    if (options.endpoints.length === 0) throw new Error('etcd client needs at least one endpoint');
    this.endpoints = [...options.endpoints];
    this.timeoutMs = options.callTimeoutMs ?? 5000;
    const tls = options.tls;
    this.credentials = tls === undefined
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(
        Buffer.from(tls.caPem),
        tls.keyPem === undefined ? null : Buffer.from(tls.keyPem),
        tls.certPem === undefined ? null : Buffer.from(tls.certPem),
      );
  }

  /** A gRPC client of one service on one endpoint, created once. */
  service(endpoint: string, name: ServiceName): grpc.Client {
    if (this.closed) throw new Error('etcd client is closed');
    let byService = this.clients.get(endpoint);
    if (byService === undefined) {
      byService = new Map();
      this.clients.set(endpoint, byService);
    }
    let client = byService.get(name);
    if (client === undefined) {
      const Ctor = etcdPackage()[name];
      client = new Ctor(grpcTarget(endpoint), this.credentials, { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
      byService.set(name, client);
    }
    return client;
  }

  private callOn<T>(endpoint: string, service: ServiceName, method: string, request: unknown): Promise<T> {
    const client = this.service(endpoint, service) as unknown as Record<string, Unary>;
    const fn = client[method];
    if (fn === undefined) return Promise.reject(new Error(`no method ${service}.${method}`));
    return new Promise<T>((resolve, reject) => {
      fn.call(client, request, new grpc.Metadata(), { deadline: Date.now() + this.timeoutMs }, (err, res) => {
        if (err !== null) reject(new EtcdError(err.details || err.message, err.code, endpoint));
        else resolve(res as T);
      });
    });
  }

  /** Calls the preferred endpoint, failing over only while that cannot repeat an effect. */
  async call<T>(service: ServiceName, method: string, request: unknown): Promise<T> {
    const readOnly = READ_ONLY_METHODS.has(method);
    let lastError: unknown;
    for (let i = 0; i < this.endpoints.length; i++) {
      const index = (this.preferred + i) % this.endpoints.length;
      const endpoint = this.endpoints[index] as string;
      try {
        const result = await this.callOn<T>(endpoint, service, method, request);
        this.preferred = index;
        return result;
      } catch (error) {
        lastError = error;
        // A timed-out request may still be applied; a write is sent elsewhere only if this
        // endpoint provably never acted on it.
        if (!(error instanceof EtcdError) || error.code !== grpc.status.UNAVAILABLE || /timed out|leader changed/.test(error.message)) throw error;
        if (!readOnly && !NEVER_ACTED_ON.test(error.message)) throw error;
      }
    }
    throw lastError;
  }

  async put(key: string, value: string, options: { lease?: number; prevKv?: boolean } = {}): Promise<{ header: ResponseHeader; prevKv?: KeyValue }> {
    const res = await this.call<{ header: WireHeader; prev_kv: WireKeyValue | null }>('KV', 'Put', {
      key: Buffer.from(key), value: Buffer.from(value), lease: this.leaseIn(options.lease), prev_kv: options.prevKv ?? false,
    });
    const out: { header: ResponseHeader; prevKv?: KeyValue } = { header: toHeader(res.header) };
    if (res.prev_kv) out.prevKv = toKeyValue(res.prev_kv);
    return out;
  }

  async range(key: string, options: RangeOptions = {}): Promise<RangeResult> {
    const res = await this.call<{ header: WireHeader; kvs: WireKeyValue[]; more: boolean; count: string }>('KV', 'Range', rangeRequest(key, options));
    return { header: toHeader(res.header), kvs: res.kvs.map(toKeyValue), more: res.more, count: Number(res.count) };
  }

  async delete(key: string, options: { prefix?: boolean; prevKv?: boolean } = {}): Promise<{ header: ResponseHeader; deleted: number }> {
    const res = await this.call<{ header: WireHeader; deleted: string }>('KV', 'DeleteRange', {
      ...keyRange(key, options), prev_kv: options.prevKv ?? false,
    });
    return { header: toHeader(res.header), deleted: Number(res.deleted) };
  }

  async txn(compare: Compare[], success: TxnOp[], failure: TxnOp[]): Promise<TxnResult> {
    interface WireResponseOp {
      response_range?: { kvs: WireKeyValue[] } | null;
      response_put?: { prev_kv: WireKeyValue | null } | null;
      response_delete_range?: { deleted: string } | null;
    }
    const res = await this.call<{ header: WireHeader; succeeded: boolean; responses: WireResponseOp[] }>('KV', 'Txn', {
      compare: compare.map((c) => toWireCompare(c, (id) => this.leaseIn(id))),
      success: success.map((op) => toWireOp(op, (id) => this.leaseIn(id))),
      failure: failure.map((op) => toWireOp(op, (id) => this.leaseIn(id))),
    });
    return {
      header: toHeader(res.header),
      succeeded: res.succeeded,
      responses: res.responses.map((r) => {
        if (r.response_range) return { kvs: r.response_range.kvs.map(toKeyValue) };
        if (r.response_put) return r.response_put.prev_kv ? { prevKv: toKeyValue(r.response_put.prev_kv) } : {};
        if (r.response_delete_range) return { deleted: Number(r.response_delete_range.deleted) };
        return {};
      }),
    };
  }

  async compact(revision: number): Promise<void> {
    await this.call('KV', 'Compact', { revision: String(revision), physical: true });
  }

  watch(
    key: string,
    options: { prefix?: boolean; startRevision?: number; prevKv?: boolean; progressNotify?: boolean; onEvent?: (event: EtcdWatchEvent) => void } = {},
  ): Promise<EtcdWatch> {
    const endpoint = this.endpoints[this.preferred] as string;
    return openWatch(this.service(endpoint, 'Watch'), key, options);
  }

  async leaseGrant(ttlSeconds: number): Promise<{ id: number; ttl: number }> {
    const res = await this.call<{ ID: string; TTL: string; error: string }>('Lease', 'LeaseGrant', { TTL: String(ttlSeconds), ID: '0' });
    if (res.error) throw new Error(res.error);
    return { id: this.leaseOut(res.ID), ttl: Number(res.TTL) };
  }

  async leaseRevoke(id: number): Promise<void> {
    await this.call('Lease', 'LeaseRevoke', { ID: this.leaseIn(id) });
  }

  async leaseKeepAliveOnce(id: number): Promise<{ ttl: number }> {
    const endpoint = this.endpoints[this.preferred] as string;
    const client = this.service(endpoint, 'Lease') as unknown as { LeaseKeepAlive(meta: grpc.Metadata, opts: grpc.CallOptions): grpc.ClientDuplexStream<unknown, { TTL: string }> };
    const stream = client.LeaseKeepAlive(new grpc.Metadata(), { deadline: Date.now() + this.timeoutMs });
    return new Promise((resolve, reject) => {
      let done = false;
      stream.on('data', (res: { TTL: string }) => {
        if (done) return;
        done = true;
        stream.end();
        stream.cancel();
        resolve({ ttl: Number(res.TTL) });
      });
      stream.on('error', (err: grpc.ServiceError) => {
        if (!done) {
          done = true;
          reject(new EtcdError(err.details || err.message, err.code, endpoint));
        }
      });
      stream.write({ ID: this.leaseIn(id) });
    });
  }

  async leaseTimeToLive(id: number, options: { keys?: boolean } = {}): Promise<{ ttl: number; grantedTtl: number; keys: string[] }> {
    const res = await this.call<{ TTL: string; grantedTTL: string; keys: Buffer[] }>('Lease', 'LeaseTimeToLive', { ID: this.leaseIn(id), keys: options.keys ?? false });
    return { ttl: Number(res.TTL), grantedTtl: Number(res.grantedTTL), keys: res.keys.map((k) => k.toString()) };
  }

  async memberList(): Promise<Member[]> {
    const res = await this.call<{ members: WireMember[] }>('Cluster', 'MemberList', { linearizable: false });
    return res.members.map(toMember);
  }

  async memberAdd(peerURLs: string[], options: { learner?: boolean } = {}): Promise<{ member: Member; members: Member[] }> {
    const res = await this.call<{ member: WireMember; members: WireMember[] }>('Cluster', 'MemberAdd', { peerURLs, isLearner: options.learner ?? false });
    return { member: toMember(res.member), members: res.members.map(toMember) };
  }

  async memberRemove(id: string): Promise<Member[]> {
    const res = await this.call<{ members: WireMember[] }>('Cluster', 'MemberRemove', { ID: id });
    return res.members.map(toMember);
  }

  async status(endpoint: string): Promise<MemberStatus> {
    const res = await this.callOn<{ header: WireHeader; version: string; leader: string; raftIndex: string; raftTerm: string; dbSize: string }>(
      endpoint, 'Maintenance', 'Status', {},
    );
    return {
      header: toHeader(res.header), version: res.version, leader: res.leader,
      raftIndex: Number(res.raftIndex), raftTerm: Number(res.raftTerm), dbSize: Number(res.dbSize),
    };
  }

  close(): void {
    this.closed = true;
    for (const byService of this.clients.values()) for (const client of byService.values()) client.close();
    this.clients.clear();
  }
}

export function createEtcdClient(options: EtcdClientOptions): EtcdClient {
  return new EtcdClient(options);
}
