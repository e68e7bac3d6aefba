/**
 * The parts of the v1 Pod, Node and RuntimeClass the kubelet reads and writes, as plain
 * JSON shapes (what the API serves).
 */
export interface Probe {
  exec?: { command: string[] };
  httpGet?: { path?: string; port: number | string; scheme?: string };
  tcpSocket?: { port: number | string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  ports?: Array<{ containerPort: number; protocol?: string; name?: string }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  workingDir?: string;
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface PodSpec {
  nodeName?: string;
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  restartPolicy?: RestartPolicy;
  terminationGracePeriodSeconds?: number;
  runtimeClassName?: string;
  hostNetwork?: boolean;
}

export interface ContainerStateJson {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: { exitCode: number; reason: string; startedAt?: string; finishedAt?: string; containerID?: string; message?: string };
}

export interface ContainerStatusJson {
  name: string;
  state: ContainerStateJson;
  lastState: ContainerStateJson;
  ready: boolean;
  started: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
}

export interface PodCondition { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string; lastTransitionTime?: string; lastProbeTime?: string | null }

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodStatusJson {
  phase: PodPhase;
  conditions: PodCondition[];
  reason?: string;
  message?: string;
  hostIP?: string;
  hostIPs?: Array<{ ip: string }>;
  podIP?: string;
  podIPs?: Array<{ ip: string }>;
  startTime?: string;
  initContainerStatuses?: ContainerStatusJson[];
  containerStatuses: ContainerStatusJson[];
  qosClass?: string;
}

export interface PodJson {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    ownerReferences?: unknown[];
  };
  spec: PodSpec;
  status?: Partial<PodStatusJson>;
}
