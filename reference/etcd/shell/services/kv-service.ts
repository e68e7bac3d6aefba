/** etcdserverpb.KV: reads are served locally (after a read barrier unless serializable), writes go through the log. */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { fromApplyError } from '../etcd-server-error.ts';
import type { EtcdMember } from '../etcd-member.ts';
import { MvccError } from '../../core/mvcc/mvcc-error.ts';
import {
  compareIn, deleteIn, kvOut, opIn, opOut, putIn, rangeIn, rangeOut, wantsPrev,
  type WireCompare, type WireRange, type WireRequestOp,
} from '../wire-codec.ts';
import { unary } from './unary.ts';

function local<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof MvccError) throw fromApplyError(error.code, error.message);
    throw error;
  }
}

export function kvService(member: EtcdMember): UntypedServiceImplementation {
  return {
    Range: unary(async (req: WireRange) => {
      if (!req.serializable) await member.linearize();
      const result = local(() => member.state.store.range(rangeIn(req)));
      return { header: member.header(), ...rangeOut(result) };
    }),
    Put: unary(async (req: { prev_kv: boolean } & Parameters<typeof putIn>[0]) => {
      const applied = await member.propose({ type: 'txn', request: { compare: [], success: [putIn(req)], failure: [] } });
      const op = applied.txn?.responses[0];
      const prev = op?.type === 'put' && req.prev_kv && op.prevKv ? kvOut(op.prevKv) : null;
      return { header: { ...member.header(), revision: String(applied.revision) }, prev_kv: prev };
    }),
    DeleteRange: unary(async (req: Parameters<typeof deleteIn>[0]) => {
      const applied = await member.propose({ type: 'txn', request: { compare: [], success: [deleteIn(req)], failure: [] } });
      const op = applied.txn?.responses[0];
      const deleted = op?.type === 'delete' ? op : { deleted: 0, prevKvs: [] };
      return {
        header: { ...member.header(), revision: String(applied.revision) },
        deleted: String(deleted.deleted), prev_kvs: req.prev_kv ? deleted.prevKvs.map(kvOut) : [],
      };
    }),
    Txn: unary(async (req: { compare: WireCompare[]; success: WireRequestOp[]; failure: WireRequestOp[] }) => {
      const request = { compare: req.compare.map(compareIn), success: req.success.map(opIn), failure: req.failure.map(opIn) };
      const applied = await member.propose({ type: 'txn', request });
      const txn = applied.txn;
      if (txn === undefined) throw new Error('txn without result');
      const header = { ...member.header(), revision: String(applied.revision) };
      const ops = txn.succeeded ? req.success : req.failure;
      return { header, succeeded: txn.succeeded, responses: txn.responses.map((r, i) => opOut(r, ops[i] !== undefined && wantsPrev(ops[i]), header)) };
    }),
    Compact: unary(async (req: { revision: string }) => {
      const applied = await member.propose({ type: 'compact', revision: Number(req.revision) });
      return { header: { ...member.header(), revision: String(applied.revision) } };
    }),
  };
}
