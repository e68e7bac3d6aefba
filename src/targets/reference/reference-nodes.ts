/**
 * Worker nodes of a reference cluster: per node a CRI runtime, a kubelet and a kube-proxy,
 * each a process; as root each node lives in its own network namespace (cluster-network.ts).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CriClient } from '../../clients/cri/cri-client.ts';
import type { KubeApi, KubeObject } from '../../ports/kube-api.ts';
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
  manifestDir: string;
}

export interface NodeEnvironment {
  stateDir: string;
  server: string;
  credentials: ClusterCredentials;
  network: ClusterNetwork | undefined;
  proxyMode: string;
  ipvsScheduler: string;
  /** Whether a cloud-controller-manager will initialize the nodes. */
  cloudProvider: boolean;
  admin: KubeApi;
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
    // Without namespaces every node shares the host's loopback; distinct 127.x addresses
    // keep their ports apart.
    address: namespace?.address ?? `127.0.10.${index}`,
    podCidr: namespace?.podCidr ?? `10.244.${index}.0/24`,
  };
}

/** The node's three processes, in start order. */
export async function nodeComponents(env: NodeEnvironment, node: NodePlan): Promise<ComponentSpec[]> {
  const inNode = (kck: string, args: string[]): Pick<ComponentSpec, 'command' | 'args'> =>
    node.namespace === undefined
      ? { command: { kck }, args }
      : { command: { executable: 'ip' }, args: ['netns', 'exec', node.namespace.netns, process.execPath, KCK_BIN, kck, ...args] };
  const socket = join(node.dir, 'runtime.sock');
  const kubeletConfig = await env.credentials.writeKubeconfig(`kubelet-${node.name}`, env.server, { kind: 'node', nodeName: node.name });
  const proxyConfig = await env.credentials.writeKubeconfig(`kube-proxy-${node.name}`, env.server, { kind: 'component', name: 'kube-proxy' });
  const serving = await env.credentials.ca.issue({ name: `kubelet-${node.name}`, commonName: `system:node:${node.name}`, organizations: ['system:nodes'], dnsNames: [node.name], ipAddresses: [node.address], usage: 'server' });
  const cri = new CriClient(`unix://${socket}`);
  return [
    {
      name: `runtime-${node.name}`,
      ...inNode('runtime', ['--listen', `unix://${socket}`, '--root', join(node.dir, 'runtime'), '--node-name', node.name, '--pod-cidr', node.podCidr, '--bridge', node.namespace === undefined ? `kckn${node.index}` : 'cbr0', '--network', node.namespace === undefined ? 'loopback' : 'netns']),
      ready: async () => {
        await cri.version();
      },
    },
    {
      name: `kubelet-${node.name}`,
      ...inNode('kubelet', [
        '--kubeconfig', kubeletConfig,
        '--hostname-override', node.name,
        '--container-runtime-endpoint', `unix://${socket}`,
        '--pod-manifest-path', node.manifestDir,
        '--root-dir', join(node.dir, 'kubelet'),
        '--node-ip', node.address,
        '--pod-cidr', node.podCidr,
        '--port', node.namespace === undefined ? '0' : '10250',
        '--tls-cert-file', serving.certPath,
        '--tls-private-key-file', serving.keyPath,
        // As upstream kubelets with --cloud-provider=external: the cloud-controller-manager
        // initializes the node (addresses, providerID) and lifts this taint. Without a cloud
        // provider nobody would lift it, so the kubelet does not set it.
        ...(env.cloudProvider ? ['--register-with-taints', 'node.cloudprovider.kubernetes.io/uninitialized=true:NoSchedule'] : []),
      ]),
      ready: async () => {
        const n = await env.admin.get<NodeView>({ apiVersion: 'v1', kind: 'Node', name: node.name });
        if (!n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) throw new Error(`node ${node.name} is not Ready yet`);
      },
      readyTimeoutMs: 90_000,
    },
    {
      name: `kube-proxy-${node.name}`,
      ...inNode('proxy', [
        '--kubeconfig', proxyConfig,
        '--proxy-mode', env.proxyMode,
        '--ipvs-scheduler', env.ipvsScheduler,
        '--hostname-override', node.name,
        '--bind-address', node.address,
        '--metrics-bind-address', `${node.address}:${METRICS_PORT}`,
        '--healthz-bind-address', `${node.address}:${METRICS_PORT + 7}`,
        '--cluster-cidr', '10.244.0.0/16',
      ]),
      ready: async () => {
        const res = await fetch(`http://${node.address}:${METRICS_PORT}/proxyMode`);
        if (res.status !== 200) throw new Error(`/proxyMode answered ${res.status}`);
      },
    },
  ];
}

export function proxyHealthUrl(node: NodePlan): string {
  return `http://${node.address}:${METRICS_PORT}/healthz`;
}
