/**
 * The flags every cluster the kit builds gives the reference controllers (reference, docker,
 * and the upstream apiserver with the reference controllers), so they behave alike.
 */
export type ControllerName = 'kube-scheduler' | 'kube-controller-manager' | 'cloud-controller-manager';

export const REFERENCE_CONTROLLER_FLAGS: Readonly<Record<ControllerName, readonly string[]>> = {
  'kube-scheduler': [],
  // A short grace period so node-lifecycle scenarios finish in seconds, not minutes.
  'kube-controller-manager': ['--node-monitor-grace-period', '10s', '--node-monitor-period', '2s'],
  // The reference cloud; each cluster adds its --cloud-config (its load balancers' addresses).
  'cloud-controller-manager': ['--cloud-provider', 'loopback', '--cluster-name', 'kck'],
};

/** The kck subcommand that runs each reference controller. */
export const CONTROLLER_COMMAND: Readonly<Record<ControllerName, string>> = {
  'kube-scheduler': 'scheduler',
  'kube-controller-manager': 'controller-manager',
  'cloud-controller-manager': 'cloud-controller-manager',
};
