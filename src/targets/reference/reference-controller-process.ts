/**
 * A reference controller (scheduler, controller-manager, cloud-controller-manager) as a
 * process of the kit: it knows the apiserver only through its kubeconfig, takes part in
 * leader election, and is ready once its Lease names a holder (itself, or the leader it
 * stands by for). The reference cluster and the upstream apiserver's cluster both run them so.
 */
import type { KubeApi, KubeObject } from '../../ports/kube-api.ts';
import type { ComponentSpec } from './component-process.ts';
import { CONTROLLER_COMMAND, REFERENCE_CONTROLLER_FLAGS, type ControllerName } from './controller-flags.ts';

type LeaseView = KubeObject & { spec?: { holderIdentity?: string } };

/** Election timing of highly available reference controllers: standbys take over within a short lease when the leader dies (S3.6). */
export const STANDBY_ELECTION_FLAGS: readonly string[] = ['--leader-elect-lease-duration', '4s', '--leader-elect-renew-deadline', '3s', '--leader-elect-retry-period', '500ms'];

export interface ReferenceControllerOptions {
  controller: ControllerName;
  /** Instance name, e.g. kube-scheduler-2. */
  instance: string;
  kubeconfig: string;
  /** Flags after the shared ones (election timing, --cloud-config). */
  extraArgs?: readonly string[];
  /** Reads the Lease for readiness. */
  admin: KubeApi;
}

export function referenceControllerSpec(o: ReferenceControllerOptions): ComponentSpec {
  return {
    name: o.instance,
    command: { kck: CONTROLLER_COMMAND[o.controller] },
    args: ['--kubeconfig', o.kubeconfig, '--leader-elect=true', ...REFERENCE_CONTROLLER_FLAGS[o.controller], ...(o.extraArgs ?? [])],
    // The Lease holder identity starts with the instance name, so faults can find the leader.
    env: { ...process.env, KCK_INSTANCE: o.instance },
    ready: async () => {
      const lease = await o.admin.get<LeaseView>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kube-system', name: o.controller });
      if ((lease?.spec?.holderIdentity ?? '') === '') throw new Error(`no leader in Lease kube-system/${o.controller} yet`);
    },
    readyTimeoutMs: 120_000,
  };
}
