/**
 * What the kubelet sees of a Pod in the runtime, from CRI lists: its sandbox(es) and every
 * attempt of every container (the CRI attempt number is the restart count).
 */
export interface ObservedContainer {
  id: string;
  name: string;
  attempt: number;
  state: 'created' | 'running' | 'exited' | 'unknown';
  exitCode: number;
  reason: string;
  /** Unix ms; 0 when not yet. */
  startedAt: number;
  finishedAt: number;
  image: string;
  imageRef: string;
}

export interface ObservedSandbox { id: string; ready: boolean; ip: string; attempt: number }

export interface ObservedPod {
  sandbox: ObservedSandbox | undefined;
  containers: ObservedContainer[];
  /** Ready sandboxes of the Pod other than `sandbox`: a Pod has one; the kubelet removes these. */
  extraReadySandboxes?: string[];
}

/** The newest attempt of each container name, and the one before it (for lastState). */
export function attemptsByName(observed: ObservedPod): Map<string, { latest: ObservedContainer; previous: ObservedContainer | undefined }> {
  const out = new Map<string, { latest: ObservedContainer; previous: ObservedContainer | undefined }>();
  const sorted = [...observed.containers].sort((a, b) => a.attempt - b.attempt);
  for (const c of sorted) {
    const seen = out.get(c.name);
    out.set(c.name, { latest: c, previous: seen?.latest });
  }
  return out;
}
