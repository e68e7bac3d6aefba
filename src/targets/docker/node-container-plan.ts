/**
 * What a node container runs: the reference node's three components (reference-nodes.ts)
 * with the container as the node. The container is the node's network namespace, so the
 * node's address is the container's address on the run network, Pods hang off a cbr0 bridge
 * inside it and nothing is prefixed with `ip netns exec`. Node-local state (the runtime's
 * root, the kubelet's root, the CRI socket) lives in the container's own filesystem; the
 * kubeconfigs, certificates and the static Pod folder are in the cluster's state folder,
 * bind-mounted read-only at the same path. Pure: no I/O.
 */
import { nodeComponentArgs, runtimeSocket, type NodeComponentArgs, type NodeFiles, type NodeOptions, type NodePlan } from '../reference/reference-nodes.ts';

/** Where node-local state lives inside a node container. */
export const NODE_STATE_DIR = '/var/lib/kck-node';

/** A node component: a kck subcommand, or (`executable`) a program of the image such as containerd. */
export type NodeProcess = NodeComponentArgs & { executable?: string };

/** What the supervisor does before and around the components (a runtime other than the reference one needs it). */
export interface NodeSetup {
  /** Written before anything starts (parent folders created). */
  files: Array<{ path: string; content: string }>;
  /** Remount the container's cgroup hierarchies read-write: runc puts each Pod container in a cgroup. */
  writableCgroups: boolean;
  /** Once the runtime answers, the kit's images are imported into it (`ctr --address A -n N images import`). */
  imageImport?: { address: string; namespace: string };
}

export interface NodeContainerPlan {
  node: string;
  /** The supervisor starts the kubelet once this CRI socket answers. */
  criSocket: string;
  /** In start order. */
  components: NodeProcess[];
  setup?: NodeSetup;
}

export interface DockerNodeSpec {
  name: string;
  index: number;
  /** The container's fixed address on the run network. */
  address: string;
  /** Host folder the kubelet reads static Pod manifests from (seen at the same path inside). */
  manifestDir: string;
}

export function dockerNodePlan(spec: DockerNodeSpec): NodePlan {
  return { ...spec, dir: NODE_STATE_DIR, podCidr: podCidrOf(spec.index), namespace: undefined, ownNetwork: true };
}

export function podCidrOf(index: number): string {
  return `10.244.${index}.0/24`;
}

export function nodeContainerPlan(node: NodePlan, files: NodeFiles, options: NodeOptions): NodeContainerPlan {
  return { node: node.name, criSocket: `unix://${runtimeSocket(node)}`, components: nodeComponentArgs(node, files, options) };
}

/**
 * The routes a node needs to the other nodes' Pods (each node routes its own pod CIDR to its
 * cbr0): `ip route replace <their pod CIDR> via <their address>`, as cluster-network.ts adds
 * between node namespaces. `replace` so re-applying after a restart or reconnect is harmless.
 */
export function podRoutes(self: { index: number }, nodes: ReadonlyArray<{ index: number; address: string }>): string[][] {
  return nodes.filter((n) => n.index !== self.index).map((n) => ['ip', 'route', 'replace', podCidrOf(n.index), 'via', n.address]);
}
