/** Builders for Nodes and Pods in scheduler tests and benchmarks (pure, no I/O). */
import type { Node, Pod, Taint, Toleration } from '../../client-machinery/core/api-types.ts';

export interface NodeSpec {
  name: string;
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  ready?: 'True' | 'False' | 'Unknown' | 'absent';
}

export function makeNode(s: NodeSpec): Node {
  const conditions = s.ready === 'absent' ? [] : [{ type: 'Ready', status: s.ready ?? 'True' } as const];
  const allocatable = { cpu: s.cpu ?? '4', memory: s.memory ?? '8Gi', pods: String(s.pods ?? 110) };
  const spec: NonNullable<Node['spec']> = {};
  if (s.taints !== undefined) spec.taints = s.taints;
  if (s.unschedulable !== undefined) spec.unschedulable = s.unschedulable;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: s.name, labels: { 'kubernetes.io/hostname': s.name, ...s.labels } },
    spec,
    status: { capacity: allocatable, allocatable, conditions: [...conditions] },
  };
}

export interface PodSpecInput {
  name: string;
  namespace?: string;
  cpu?: string;
  memory?: string;
  nodeName?: string;
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  hostPort?: number;
  antiAffinityOn?: Record<string, string>;
  ownerUid?: string;
  priority?: number;
}

export function makePod(s: PodSpecInput): Pod {
  const requests: Record<string, string> = {};
  if (s.cpu !== undefined) requests['cpu'] = s.cpu;
  if (s.memory !== undefined) requests['memory'] = s.memory;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: s.name, namespace: s.namespace ?? 'default', uid: `uid-${s.name}` },
    spec: {
      schedulerName: 'default-scheduler',
      containers: [{ name: 'c', image: 'pause', resources: { requests }, ...(s.hostPort !== undefined ? { ports: [{ containerPort: 80, hostPort: s.hostPort }] } : {}) }],
    },
    status: { phase: 'Pending' },
  };
  if (s.labels !== undefined) pod.metadata.labels = s.labels;
  if (s.nodeName !== undefined) pod.spec.nodeName = s.nodeName;
  if (s.nodeSelector !== undefined) pod.spec.nodeSelector = s.nodeSelector;
  if (s.tolerations !== undefined) pod.spec.tolerations = s.tolerations;
  if (s.priority !== undefined) pod.spec.priority = s.priority;
  if (s.ownerUid !== undefined) pod.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: s.ownerUid, controller: true }];
  if (s.antiAffinityOn !== undefined) {
    pod.spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: s.antiAffinityOn }, topologyKey: 'kubernetes.io/hostname' }] } };
  }
  return pod;
}
