import { voteResult } from './quorum.ts';
import type { Raft } from './raft.ts';
import { NONE, message } from './types.ts';
import type { Message } from './types.ts';

/** How a follower handles a message of its own term (or a local one). */
export function stepFollower(r: Raft, m: Message): boolean {
  switch (m.type) {
    case 'prop':
    case 'read-index':
      if (r.lead === NONE) return false;
      // Forward to the leader; `from` stays the original asker so the answer comes back here.
      r.msgs.push({ ...m, from: m.from === NONE ? r.id : m.from, to: r.lead, term: 0 });
      return true;
    case 'transfer-leader':
      if (r.lead === NONE) return false;
      r.msgs.push({ ...m, to: r.lead, term: r.term });
      return true;
    case 'app':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppend(r, m);
      return true;
    case 'heartbeat':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return true;
    case 'snap':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return true;
    case 'timeout-now':
      // Leader transfer (thesis §3.10): campaign at once, skipping pre-vote and leases.
      r.campaign('transfer');
      return true;
    case 'read-index-resp':
      r.readStates.push({ index: m.index, context: m.context });
      return true;
    default:
      return true;
  }
}

/** Candidates and pre-candidates. */
export function stepCandidate(r: Raft, m: Message): boolean {
  switch (m.type) {
    case 'prop':
    case 'read-index':
    case 'transfer-leader':
      return false;
    case 'app':
      r.becomeFollower(m.term, m.from);
      handleAppend(r, m);
      return true;
    case 'heartbeat':
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return true;
    case 'snap':
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return true;
    case 'vote-resp':
    case 'pre-vote-resp': {
      const mine = (r.role === 'pre-candidate') === (m.type === 'pre-vote-resp');
      if (!mine) return true;
      r.votes.set(m.from, !m.reject);
      const result = voteResult([...r.members.keys()], r.votes);
      if (result === 'won') {
        if (r.role === 'pre-candidate') r.campaign('normal');
        else {
          r.becomeLeader();
          r.bcastAppend();
        }
      } else if (result === 'lost') {
        r.becomeFollower(r.term, NONE);
      }
      return true;
    }
    default:
      return true;
  }
}

function handleAppend(r: Raft, m: Message): void {
  if (m.index < r.log.committed) {
    r.send(message({ type: 'app-resp', to: m.from, index: r.log.committed }));
    return;
  }
  const last = r.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (last !== undefined) {
    r.send(message({ type: 'app-resp', to: m.from, index: last }));
    return;
  }
  // Log matching failed at m.index: hint the leader where our logs may agree.
  const hint = r.log.findConflictByTerm(Math.min(m.index, r.log.lastIndex()), m.logTerm);
  r.send(message({ type: 'app-resp', to: m.from, index: m.index, reject: true, rejectHint: hint, logTerm: r.log.term(hint) ?? 0 }));
}

function handleHeartbeat(r: Raft, m: Message): void {
  r.log.commitTo(Math.min(m.commit, r.log.lastIndex()));
  r.send(message({ type: 'heartbeat-resp', to: m.from, context: m.context }));
}

function handleSnapshot(r: Raft, m: Message): void {
  const snap = m.snapshot;
  if (snap === undefined) return;
  if (snap.meta.index <= r.log.committed) {
    r.send(message({ type: 'app-resp', to: m.from, index: r.log.committed }));
    return;
  }
  if (r.log.matchTerm(snap.meta.index, snap.meta.term)) {
    // We already hold the snapshot's last entry: just fast-forward the commit.
    r.log.commitTo(snap.meta.index);
    r.send(message({ type: 'app-resp', to: m.from, index: r.log.committed }));
    return;
  }
  r.log.restore(snap);
  r.snapshot = snap;
  r.members = new Map(snap.meta.members.map((mm) => [mm.id, mm.peerUrl]));
  r.send(message({ type: 'app-resp', to: m.from, index: r.log.lastIndex() }));
}
