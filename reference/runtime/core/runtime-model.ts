/**
 * The runtime's bookkeeping as plain data: sandboxes and containers, their CRI states and
 * the CRI list filters. The shell owns processes and namespaces; this file only decides
 * what the protocol reports.
 */
export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface SandboxMetadata { name: string; uid: string; namespace: string; attempt: number }

export interface SandboxRecord {
  id: string;
  metadata: SandboxMetadata;
  state: SandboxState;
  createdAt: number;
  ip: string;
  hostNetwork: boolean;
  hostname: string;
  logDirectory: string;
  runtimeHandler: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerRecord {
  id: string;
  sandboxId: string;
  metadata: { name: string; attempt: number };
  image: string;
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  logPath: string;
}

export function matchesLabels(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

export interface SandboxFilter { id?: string; state?: { state: SandboxState } | null; labelSelector?: Record<string, string> }
export interface ContainerFilter { id?: string; state?: { state: ContainerState } | null; podSandboxId?: string; labelSelector?: Record<string, string> }

/** CRI filters: empty strings and absent values match everything; ids match by prefix. */
export function filterSandboxes(all: Iterable<SandboxRecord>, f: SandboxFilter | null | undefined): SandboxRecord[] {
  return [...all].filter((s) =>
    (!f?.id || s.id.startsWith(f.id)) && (!f?.state || s.state === f.state.state) && matchesLabels(s.labels, f?.labelSelector));
}

export function filterContainers(all: Iterable<ContainerRecord>, f: ContainerFilter | null | undefined): ContainerRecord[] {
  return [...all].filter((c) =>
    (!f?.id || c.id.startsWith(f.id)) &&
    (!f?.state || c.state === f.state.state) &&
    (!f?.podSandboxId || c.sandboxId.startsWith(f.podSandboxId)) &&
    matchesLabels(c.labels, f?.labelSelector));
}

/**
 * What a process exit means in CRI terms. A signal death reports 128+signal like a shell
 * does and like runc-based runtimes report it; reason is Completed for 0, else Error.
 */
export function exitOutcome(code: number | null, signal: number | null): { exitCode: number; reason: string } {
  const exitCode = code ?? (signal !== null ? 128 + signal : 255);
  return { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' };
}

/** Ids are 64 hex characters like containerd's, from injected random bytes. */
export function idFromBytes(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s.padEnd(64, '0').slice(0, 64);
}
