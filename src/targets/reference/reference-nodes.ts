/**
 * Worker nodes of a reference cluster: per node a CRI runtime, a kubelet and a kube-proxy,
 * each a process; as root each node lives in its own network namespace (cluster-network.ts).
 * The control plane they join is anyone's: the reference cluster hands out bearer-token
 * kubeconfigs, the upstream target client certificates from its own CA (NodeCredentials).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { removeRecordedPodNetworks } from '../../../reference/runtime/shell/pod-network.ts';
import { CriClient } from '../../clients/cri/cri-client.ts';
import type { KubeApi, KubeObject } from '../../ports/kube-api.ts';
import { eventually } from '../../world/eventually.ts';
import type { ClusterCredentials } from './cluster-credentials.ts';
import type { ClusterNetwork, NodeNamespace } from './cluster-network.ts';
import { KCK_BIN, type ComponentSpec } from './component-process.ts';

export interface NodePlan {
  name: string;
  index: number;
  dir: string;
  address: string;
  podCidr: string;
  namespace: NodeNamespace | undefined;
  /** Whether the node has a network of its own (a namespace or a container), not the host's loopback. */
  ownNetwork: boolean;
  manifestDir: string;
}

/** How a node's components authenticate to the control plane and serve their own HTTPS. */
export interface NodeCredentials {
  /** A kubeconfig for the kubelet as system:node:<node> (group system:nodes). */
  kubeletKubeconfig(node: string): Promise<string>;
  /** A kubeconfig for kube-proxy as system:kube-proxy. */
  proxyKubeconfig(node: string): Promise<string>;
  /** The kubelet's serving certificate (its log/exec server) for the node's name and address. */
  kubeletServingCert(node: string, address: string): Promise<{ certPath: string; keyPath: string }>;
}

export interface NodeEnvironment {
  stateDir: string;
  credentials: NodeCredentials;
  network: ClusterNetwork | undefined;
  proxyMode: string;
  ipvsScheduler: string;
  admin: KubeApi;
  /**
   * Whether a cloud-controller-manager initializes nodes: then kubelets register with its
   * uninitialized taint, as upstream kubelets with --cloud-provider=external do. Without one
   * nothing would ever lift that taint.
   */
  cloudProvider: boolean;
}

/** NodeCredentials of a reference cluster: bearer tokens from its token file. */
export function referenceNodeCredentials(credentials: ClusterCredentials, server: string): NodeCredentials {
  return {
    kubeletKubeconfig: (node) => credentials.writeKubeconfig(`kubelet-${node}`, server, { kind: 'node', nodeName: node }),
    proxyKubeconfig: (node) => credentials.writeKubeconfig(`kube-proxy-${node}`, server, { kind: 'component', name: 'kube-proxy' }),
    kubeletServingCert: (node, address) => credentials.ca.issue({ name: `kubelet-${node}`, commonName: `system:node:${node}`, organizations: ['system:nodes'], dnsNames: [node], ipAddresses: [address], usage: 'server' }),
  };
}

const METRICS_PORT = 10249;

type NodeView = KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } };

export async function planNode(env: NodeEnvironment, name: string, index: number): Promise<NodePlan> {
  const dir = join(env.stateDir, 'nodes', name);
  const manifestDir = join(dir, 'manifests');
  await mkdir(manifestDir, { recursive: true });
  const namespace = env.network === undefined ? undefined : await env.network.addNode(name, index);
  return {
    name,
    index,
    dir,
    manifestDir,
    namespace,
    ownNetwork: namespace !== undefined,
    // Without namespaces every node shares the host's loopback; distinct 127.x addresses
    // keep their ports apart.
    address: namespace?.address ?? `127.0.10.${index}`,
    podCidr: namespace?.podCidr ?? `10.244.${index}.0/24`,
  };
}

function runtimeRoot(node: Pick<NodePlan, 'dir'>): string {
  return join(node.dir, 'runtime');
}

/**
 * After the node's processes stopped: Pod network namespaces a killed runtime left behind
 * (they live on the host's /run/netns, not in the node's folder).
 */
export async function removeNodeLeftovers(node: NodePlan): Promise<void> {
  await removeRecordedPodNetworks(runtimeRoot(node));
}

/** One node component as a kck subcommand and its flags (what runs, not where). */
export interface NodeComponentArgs {
  name: string;
  kck: 'runtime' | 'kubelet' | 'proxy';
  args: string[];
}

/** Files a node's components read: kubeconfigs and the kubelet's serving certificate. */
export interface NodeFiles {
  kubeletKubeconfig: string;
  proxyKubeconfig: string;
  serving: { certPath: string; keyPath: string };
}

export type NodeOptions = Pick<NodeEnvironment, 'proxyMode' | 'ipvsScheduler' | 'cloudProvider'>;

export function runtimeSocket(node: Pick<NodePlan, 'dir'>): string {
  return join(node.dir, 'runtime.sock');
}

/**
 * The node's three components with their flags, in start order. Pure: the same plan runs as
 * processes in a network namespace (reference target) or inside a node container (docker).
 * A node with a network of its own (`ownNetwork`) puts Pods in namespaces on a cbr0 bridge
 * and serves the kubelet's API on 10250; a node sharing the host's loopback cannot.
 * `criEndpoint` points the kubelet at another runtime than the reference one (containerd).
 */
export function nodeComponentArgs(node: NodePlan, files: NodeFiles, options: NodeOptions, criEndpoint = `unix://${runtimeSocket(node)}`): NodeComponentArgs[] {
  const socket = runtimeSocket(node);
  return [
    {
      name: `runtime-${node.name}`,
      kck: 'runtime',
      args: ['--listen', `unix://${socket}`, '--root', runtimeRoot(node), '--node-name', node.name, '--pod-cidr', node.podCidr, '--bridge', node.ownNetwork ? 'cbr0' : `kckn${node.index}`, '--network', node.ownNetwork ? 'netns' : 'loopback'],
    },
    {
      name: `kubelet-${node.name}`,
      kck: 'kubelet',
      args: [
        '--kubeconfig', files.kubeletKubeconfig,
        '--hostname-override', node.name,
        '--container-runtime-endpoint', criEndpoint,
        '--pod-manifest-path', node.manifestDir,
        '--root-dir', join(node.dir, 'kubelet'),
        '--node-ip', node.address,
        '--pod-cidr', node.podCidr,
        '--port', node.ownNetwork ? '10250' : '0',
        '--tls-cert-file', files.serving.certPath,
        '--tls-private-key-file', files.serving.keyPath,
        // As upstream kubelets with --cloud-provider=external: the cloud-controller-manager
        // initializes the node (addresses, providerID) and lifts this taint. Without a cloud
        // provider nobody would lift it, so the kubelet does not set it.
        ...(options.cloudProvider ? ['--register-with-taints', 'node.cloudprovider.kubernetes.io/uninitialized=true:NoSchedule'] : []),
      ],
    },
    {
      name: `kube-proxy-${node.name}`,
      kck: 'proxy',
      args: [
        '--kubeconfig', files.proxyKubeconfig,
        '--proxy-mode', options.proxyMode,
        '--ipvs-scheduler', options.ipvsScheduler,
        '--hostname-override', node.name,
        '--bind-address', node.address,
        '--metrics-bind-address', `${node.address}:${METRICS_PORT}`,
        '--healthz-bind-address', `${node.address}:${METRICS_PORT + 7}`,
        '--cluster-cidr', '10.244.0.0/16',
      ],
    },
  ];
}

/** Writes the node's kubeconfigs and serving certificate. */
export async function writeNodeFiles(credentials: NodeCredentials, node: Pick<NodePlan, 'name' | 'address'>): Promise<NodeFiles> {
  return {
    kubeletKubeconfig: await credentials.kubeletKubeconfig(node.name),
    proxyKubeconfig: await credentials.proxyKubeconfig(node.name),
    serving: await credentials.kubeletServingCert(node.name, node.address),
  };
}

/** Ready once the kubelet's Node reports Ready. */
export async function nodeReady(admin: KubeApi, name: string): Promise<void> {
  const n = await admin.get<NodeView>({ apiVersion: 'v1', kind: 'Node', name });
  if (!n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) throw new Error(`node ${name} is not Ready yet`);
}

/** Ready once kube-proxy answers on its metrics port. */
export async function proxyReady(node: Pick<NodePlan, 'address'>): Promise<void> {
  const res = await fetch(`http://${node.address}:${METRICS_PORT}/proxyMode`);
  if (res.status !== 200) throw new Error(`/proxyMode answered ${res.status}`);
}

/** The node's three processes, in start order. */
export async function nodeComponents(env: NodeEnvironment, node: NodePlan): Promise<ComponentSpec[]> {
  const files = await writeNodeFiles(env.credentials, node);
  const cri = new CriClient(`unix://${runtimeSocket(node)}`);
  const ready: Record<NodeComponentArgs['kck'], () => Promise<void>> = {
    runtime: async () => {
      await cri.version();
    },
    kubelet: () => nodeReady(env.admin, node.name),
    proxy: () => proxyReady(node),
  };
  return nodeComponentArgs(node, files, env).map((c) => ({
    name: c.name,
    ...(node.namespace === undefined
      ? { command: { kck: c.kck }, args: c.args }
      : { command: { executable: 'ip' }, args: ['netns', 'exec', node.namespace.netns, process.execPath, KCK_BIN, c.kck, ...c.args] }),
    ready: ready[c.kck],
    ...(c.kck === 'kubelet' ? { readyTimeoutMs: 90_000 } : {}),
  }));
}

export function proxyHealthUrl(node: NodePlan): string {
  return `http://${node.address}:${METRICS_PORT}/healthz`;
}

/**
 * As kubeadm does, the deployer (not the kubelet, which may not set node-role labels on
 * itself) labels the control-plane node and taints it NoSchedule (S3.5).
 */
export async function markControlPlaneNode(admin: KubeApi, name: string): Promise<void> {
  // Read-modify-write with the resourceVersion: other taints (the cloud provider's) stay.
  await eventually(`node ${name} labelled and tainted as the control-plane node`, async () => {
    const node = await admin.get<KubeObject & { spec?: { taints?: Array<{ key: string; effect: string }> } }>({ apiVersion: 'v1', kind: 'Node', name });
    if (node === undefined) throw new Error(`node ${name} is not registered`);
    node.metadata.labels = { ...node.metadata.labels, 'node-role.kubernetes.io/control-plane': '' };
    node.spec = { ...node.spec, taints: [...(node.spec?.taints ?? []).filter((t) => t.key !== 'node-role.kubernetes.io/control-plane'), { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] };
    await admin.update(node);
  });
}
