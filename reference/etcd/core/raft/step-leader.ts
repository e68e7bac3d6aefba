import type { Raft } from './raft.ts';
import { NONE, message } from './types.ts';
import type { Message } from './types.ts';

/** How a leader handles a message of its own term (or a local one). */
export function stepLeader(r: Raft, m: Message): boolean {
  switch (m.type) {
    case 'beat':
      r.bcastHeartbeat(r.readOnly.lastContext());
      return true;
    case 'check-quorum': {
      // Check-quorum (thesis §6.2): a leader cut off from a majority steps down, so that
      // clients stop talking to it and a partitioned old leader cannot serve stale reads.
      const active = new Set<bigint>();
      for (const [id, pr] of r.prs) {
        if (id === r.id || pr.recentActive) active.add(id);
        if (id !== r.id) pr.recentActive = false;
      }
      if (!r.isQuorum(active)) r.becomeFollower(r.term, NONE);
      return true;
    }
    case 'prop': {
      if (!r.members.has(r.id) || r.leadTransferee !== NONE) return false;
      const entries = m.entries.map((e) => ({ ...e }));
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i];
        if (e === undefined || e.type !== 'conf-change') continue;
        // One membership change at a time: refuse a second while the first is unapplied.
        if (r.pendingConfIndex > r.log.applied) entries[i] = { term: 0, index: 0, type: 'normal', data: new Uint8Array() };
        else r.pendingConfIndex = r.log.lastIndex() + i + 1;
      }
      r.appendEntries(entries);
      r.bcastAppend();
      return true;
    }
    case 'read-index': {
      const from = m.from === NONE ? r.id : m.from;
      if (r.members.size === 1 && r.members.has(r.id)) {
        if (!r.committedEntryInCurrentTerm()) {
          r.pendingReadIndex.push(m);
          return true;
        }
        r.respondToRead(m.context, r.log.committed, from);
        return true;
      }
      // The commit index of a new leader is only known to be current once it committed an
      // entry of its own term (thesis §6.4 step 1).
      if (!r.committedEntryInCurrentTerm()) {
        r.pendingReadIndex.push(m);
        return true;
      }
      r.readOnly.add(m.context, r.log.committed, from, r.id);
      r.bcastHeartbeat(m.context);
      return true;
    }
    default:
      break;
  }

  const pr = r.prs.get(m.from);
  if (pr === undefined) return true;
  switch (m.type) {
    case 'app-resp': {
      pr.recentActive = true;
      if (m.reject) {
        // Fast back-off: jump to the follower's hint, refined by our own log's terms.
        const probe = m.logTerm > 0 ? r.log.findConflictByTerm(m.rejectHint, m.logTerm) : m.rejectHint;
        if (pr.maybeDecrTo(m.index, probe)) {
          if (pr.state === 'replicate') pr.becomeProbe();
          r.sendAppend(m.from);
        }
        return true;
      }
      const wasPaused = pr.isPaused();
      if (!pr.maybeUpdate(m.index)) return true;
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
        pr.becomeProbe();
        pr.becomeReplicate();
      }
      if (r.maybeCommit()) r.bcastAppend();
      else if (wasPaused) r.sendAppend(m.from);
      // Keep the pipeline full.
      while (r.sendAppend(m.from, false)) { /* send more */ }
      if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) {
        r.send(message({ type: 'timeout-now', to: m.from }));
      }
      return true;
    }
    case 'heartbeat-resp': {
      pr.recentActive = true;
      pr.probeSent = false;
      if (pr.match < r.log.lastIndex()) r.sendAppend(m.from);
      if (m.context !== '') {
        for (const req of r.readOnly.ack(m.context, m.from, (acks) => r.isQuorum(acks))) {
          r.respondToRead(req.context, req.index, req.from);
        }
      }
      return true;
    }
    case 'snap-status':
      if (pr.state !== 'snapshot') return true;
      if (m.reject) pr.pendingSnapshot = 0;
      pr.becomeProbe();
      // Wait for a heartbeat answer before probing again.
      pr.probeSent = true;
      return true;
    case 'unreachable':
      if (pr.state === 'replicate') pr.becomeProbe();
      return true;
    case 'transfer-leader': {
      const to = m.from;
      if (to === r.id || to === r.leadTransferee) return true;
      r.electionElapsed = 0; // the transfer must finish within one election timeout
      r.leadTransferee = to;
      if (pr.match === r.log.lastIndex()) r.send(message({ type: 'timeout-now', to }));
      else r.sendAppend(to);
      return true;
    }
    default:
      return true;
  }
}
