/**
 * The Node object the kubelet registers and keeps up to date: capacity and allocatable,
 * addresses, the Ready condition and its pressure siblings, daemon endpoint (the kubelet's
 * log server port, which the apiserver uses to proxy `kubectl logs`), node info.
 */
export interface NodeFacts {
  name: string;
  ip: string;
  hostname: string;
  podCidr: string;
  labels: Record<string, string>;
  taints: Array<{ key: string; value?: string; effect: string }>;
  cpu: number;
  memoryBytes: number;
  maxPods: number;
  kubeletPort: number;
  runtimeVersion: string;
  kubeletVersion: string;
}

export function nodeLabels(f: NodeFacts): Record<string, string> {
  return { 'kubernetes.io/hostname': f.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...f.labels };
}

export function nodeConditions(nowIso: string, ready: boolean, since: string): Array<Record<string, string>> {
  const c = (type: string, status: string, reason: string, message: string): Record<string, string> =>
    ({ type, status, reason, message, lastHeartbeatTime: nowIso, lastTransitionTime: since });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready ? c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status') : c('Ready', 'False', 'KubeletNotReady', 'container runtime is not answering'),
  ];
}

export function nodeStatus(f: NodeFacts, nowIso: string, ready: boolean, since: string): Record<string, unknown> {
  const resources = { cpu: String(f.cpu), memory: `${Math.floor(f.memoryBytes / 1024)}Ki`, pods: String(f.maxPods), 'ephemeral-storage': '10Gi' };
  return {
    capacity: resources,
    allocatable: resources,
    conditions: nodeConditions(nowIso, ready, since),
    addresses: [{ type: 'InternalIP', address: f.ip }, { type: 'Hostname', address: f.hostname }],
    daemonEndpoints: { kubeletEndpoint: { Port: f.kubeletPort } },
    nodeInfo: {
      machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: 'kck', operatingSystem: 'linux', architecture: 'amd64',
      containerRuntimeVersion: f.runtimeVersion, kubeletVersion: f.kubeletVersion, kubeProxyVersion: f.kubeletVersion,
    },
  };
}

export function nodeObject(f: NodeFacts, nowIso: string, ready: boolean, since: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: f.name, labels: nodeLabels(f) },
    spec: { podCIDR: f.podCidr, podCIDRs: [f.podCidr], ...(f.taints.length ? { taints: f.taints } : {}) },
    status: nodeStatus(f, nowIso, ready, since),
  };
}
