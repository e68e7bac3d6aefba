/**
 * Cri: the Container Runtime Interface v1 (runtime.v1 RuntimeService and ImageService over
 * gRPC on a unix socket), as the kubelet sees it. One client serves the reference runtime
 * and containerd alike. Field names follow the protocol (camelCase of the proto fields).
 */

export interface PodSandboxConfig {
  metadata: { name: string; uid: string; namespace: string; attempt?: number };
  hostname?: string;
  logDirectory?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: { securityContext?: { namespaceOptions?: { network?: 'POD' | 'NODE' } } };
  portMappings?: Array<{ protocol?: 'TCP' | 'UDP'; containerPort: number; hostPort?: number }>;
}

export interface ContainerConfig {
  metadata: { name: string; attempt?: number };
  image: { image: string };
  command?: string[];
  args?: string[];
  envs?: Array<{ key: string; value: string }>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  logPath?: string;
  workingDir?: string;
}

export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface PodSandboxStatus {
  id: string;
  state: SandboxState;
  network?: { ip: string };
  runtimeHandler?: string;
  labels: Record<string, string>;
  /** CRI metadata (name, uid, namespace, attempt) as the sandbox was created with. */
  metadata?: { name: string; uid: string; namespace: string; attempt: number };
}

export interface ContainerStatus {
  id: string;
  name: string;
  state: ContainerState;
  exitCode: number;
  reason: string;
  startedAt: number;
  finishedAt: number;
  image: string;
  /** CRI metadata.attempt: the kubelet's restart count for this container name. */
  attempt?: number;
  labels?: Record<string, string>;
  podSandboxId?: string;
  /** The image id the runtime resolved (Pod status imageID). */
  imageRef?: string;
}

export interface ImageInfo {
  id: string;
  repoTags: string[];
  size: number;
}

export interface Cri {
  /** unix:///path/to/socket */
  readonly endpoint: string;
  version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }>;
  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: { labelSelector?: Record<string, string> }): Promise<PodSandboxStatus[]>;
  createContainer(sandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus>;
  listContainers(filter?: { podSandboxId?: string }): Promise<ContainerStatus[]>;
  execSync(id: string, cmd: string[], timeoutSeconds?: number): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  listImages(): Promise<ImageInfo[]>;
  pullImage(image: string): Promise<string>;
  imageStatus(image: string): Promise<ImageInfo | undefined>;
  removeImage(image: string): Promise<void>;
  close(): void;
}

/** A runtime the kit can start for runtime scenarios: the reference one, or containerd. */
export interface CriRuntimeFactory {
  readonly implementation: string;
  /** Images of the kit's workload catalogue, by role, as this runtime names them. */
  readonly images: { pause: string; workload: string };
  start(): Promise<{ cri: Cri; stop(): Promise<void> }>;
}
