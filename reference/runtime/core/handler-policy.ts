/**
 * Runtime handlers (RuntimeClass.handler, S9.3). `runc` (and the empty name) is the default:
 * containers run as root in the Pod's network namespace. `sandboxed` stands for a secure
 * runtime such as kata: each container runs as an unprivileged user with resource limits,
 * and the Pod may not use the host network. Unknown handlers are refused, as containerd
 * refuses a handler it has no runtime for.
 */
export interface IsolationPolicy {
  readonly handler: string;
  /** Run container processes as this uid/gid (undefined: as the runtime's user). */
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly allowHostNetwork: boolean;
  /** prlimit-style limits applied to every container process. */
  readonly limits: { nofile?: number; nproc?: number; addressSpaceBytes?: number };
}

export const HANDLERS: ReadonlyMap<string, IsolationPolicy> = new Map([
  ['runc', { handler: 'runc', uid: undefined, gid: undefined, allowHostNetwork: true, limits: {} }],
  ['sandboxed', { handler: 'sandboxed', uid: 65534, gid: 65534, allowHostNetwork: false, limits: { nofile: 256, nproc: 64, addressSpaceBytes: 512 * 1024 * 1024 } }],
]);

export type PolicyResult = { ok: true; policy: IsolationPolicy } | { ok: false; message: string };

export function policyFor(handler: string, hostNetwork: boolean): PolicyResult {
  const policy = HANDLERS.get(handler === '' ? 'runc' : handler);
  if (!policy) return { ok: false, message: `no runtime for "${handler}" is configured` };
  if (hostNetwork && !policy.allowHostNetwork) return { ok: false, message: `runtime handler "${handler}" does not allow host network` };
  return { ok: true, policy };
}
