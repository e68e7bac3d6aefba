/**
 * What the scheduler, controller and control-plane steps share. Everything goes through the
 * KubeApi port, so the same steps run on the reference cluster and on any cluster reached
 * through a kubeconfig:
 * - hand-made nodes: Node objects the scenario creates (labelled kck.io/hand-made=<namespace>)
 *   and keeps alive by renewing their Lease, as a kubelet would; Pods aimed at them carry a
 *   matching nodeSelector, so real nodes and other scenarios never interfere;
 * - a stand-in kubelet: a hand-made node whose Pods it marks Running and Ready with an IP,
 *   so controllers that count ready Pods can be checked without running containers;
 * - Events and watch recordings.
 */
import { ApiError, type KubeApi, type KubeObject, type WatchEvent } from '../../src/ports/kube-api.ts';
import { ResumableWatch } from './resumable-watch.ts';
import { eventually } from '../../src/world/eventually.ts';
import type { KitWorld } from '../../src/world/kit-world.ts';

export const POD = { apiVersion: 'v1', kind: 'Pod' } as const;
export const NODE = { apiVersion: 'v1', kind: 'Node' } as const;
export const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' } as const;
export const HAND_MADE = 'kck.io/hand-made';

/**
 * Hand-made nodes carry this taint (valued with the scenario's namespace) from their creation:
 * they have no kubelet, so a Pod of any other scenario (or of the cluster) bound there would
 * never run. Only Pods made for them tolerate it.
 */
export function handMadeTaint(namespace: string): { key: string; value: string; effect: string } {
  return { key: HAND_MADE, value: namespace, effect: 'NoSchedule' };
}

/** The toleration of Pods meant for this scenario's hand-made nodes (and only for them). */
export function handMadeToleration(namespace: string): Record<string, unknown> {
  return { key: HAND_MADE, operator: 'Equal', value: namespace, effect: 'NoSchedule' };
}
/** Pods that must never be scheduled anywhere real (controller scenarios). */
export const NOWHERE = { 'kck.io/nowhere': 'true' };

export interface PodView extends KubeObject {
  spec: { nodeName?: string; schedulerName?: string; containers: { name: string; image?: string; [k: string]: unknown }[]; [k: string]: unknown };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[]; [k: string]: unknown };
}

export interface NodeView extends KubeObject {
  spec?: { taints?: { key: string; value?: string; effect: string; timeAdded?: string }[]; unschedulable?: boolean; providerID?: string; [k: string]: unknown };
  status?: { conditions?: { type: string; status: string; lastHeartbeatTime?: string }[]; addresses?: { type: string; address: string }[]; [k: string]: unknown };
}

export interface EventView extends KubeObject {
  reason: string;
  message: string;
  type: string;
  involvedObject: { kind: string; name: string; namespace?: string; uid?: string };
}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const microNow = (): string => new Date().toISOString().replace(/Z$/, '000Z');

export interface HandMadeNode {
  /** The name the scenario uses ("small"); the Node's real name is prefixed with the namespace. */
  alias: string;
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
  ready?: boolean;
}

/** The real Node name of a hand-made node alias in this scenario. */
export function nodeName(world: KitWorld, alias: string): string {
  return `${world.namespace}-${alias}`.slice(0, 63);
}

/** Stops renewing a hand-made node's Lease and heartbeat: its "kubelet" went silent. */
export function silence(world: KitWorld, alias: string): void {
  world.recall<Set<string>>('silent nodes').add(nodeName(world, alias));
}

export async function createHandMadeNodes(world: KitWorld, specs: readonly HandMadeNode[]): Promise<void> {
  const namespace = await world.scenarioNamespace();
  const kube = world.kube;
  if (!world.has('silent nodes')) {
    const silent = world.remember('silent nodes', new Set<string>());
    const names = world.remember('hand-made nodes', new Set<string>());
    // A kubelet renews its Lease every 10 s; do the same so node lifecycle leaves them be.
    const timer = setInterval(() => {
      for (const name of names) if (!silent.has(name)) void renew(kube, name).catch(() => undefined);
    }, 5000);
    world.onCleanUp(async () => {
      clearInterval(timer);
      const pods = await kube.list<PodView>(POD, { namespace });
      for (const p of pods.items) {
        if (p.spec.nodeName !== undefined && names.has(p.spec.nodeName)) await kube.delete({ ...POD, name: p.metadata.name ?? '', namespace }, { gracePeriodSeconds: 0 }).catch(() => undefined);
      }
      for (const name of names) {
        await kube.delete({ ...NODE, name }).catch(() => undefined);
        await kube.delete({ ...LEASE, name, namespace: 'kube-node-lease' }).catch(() => undefined);
      }
    });
  }
  const names = world.recall<Set<string>>('hand-made nodes');
  for (const s of specs) {
    const name = nodeName(world, s.alias);
    const allocatable = { cpu: s.cpu ?? '2', memory: s.memory ?? '4Gi', pods: String(s.pods ?? 110) };
    await kube.create<NodeView>({
      ...NODE,
      metadata: { name, labels: { 'kubernetes.io/hostname': name, [HAND_MADE]: namespace, ...(s.labels ?? {}) } },
      spec: { taints: [handMadeTaint(namespace)], ...(s.unschedulable === true ? { unschedulable: true } : {}) },
      status: {},
    });
    names.add(name);
    const status = { capacity: allocatable, allocatable, addresses: [{ type: 'InternalIP', address: '192.0.2.1' }, { type: 'Hostname', address: name }], conditions: [{ type: 'Ready', status: s.ready === false ? 'False' : 'True', reason: 'KubeletReady', message: 'hand-made node', lastHeartbeatTime: now(), lastTransitionTime: now() }] };
    // On a real cluster, controllers write to a new Node at once (CIDR, taints): read, modify,
    // write, and start over on a conflict, as any client must.
    await withRetry(kube, name, (node) => kube.updateStatus<NodeView>({ ...node, ...NODE, status }));
    // Admission (TaintNodesByCondition) taints new Nodes not-ready until node lifecycle sees
    // them Ready; set the taints the scenario wants and let the controllers manage theirs.
    await withRetry(kube, name, (node) => {
      const wanted = [handMadeTaint(namespace), ...(s.taints ?? [])];
      const taints = [...(node.spec?.taints ?? []).filter((t) => !t.key.startsWith('node.kubernetes.io/not-ready') && !wanted.some((w) => w.key === t.key && w.effect === t.effect)), ...wanted];
      return kube.update<NodeView>({ ...node, ...NODE, spec: { ...(node.spec ?? {}), taints } });
    });
    await renew(kube, name);
  }
}

async function withRetry(kube: KubeApi, name: string, write: (node: NodeView) => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const node = await kube.get<NodeView>({ ...NODE, name });
    if (node === undefined) throw new Error(`Node ${name} vanished`);
    try {
      await write(node);
      return;
    } catch (error) {
      if ((error as { status?: number }).status !== 409 || attempt >= 10) throw error;
    }
  }
}

async function renew(kube: KubeApi, name: string): Promise<void> {
  const key = { ...LEASE, name, namespace: 'kube-node-lease' };
  const lease = await kube.get<KubeObject & { spec?: Record<string, unknown> }>(key);
  if (lease === undefined) {
    await kube.create({ ...LEASE, metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microNow() } });
  } else {
    await kube.update({ ...lease, ...LEASE, spec: { ...(lease.spec ?? {}), renewTime: microNow() } });
  }
  // Real controllers (upstream's TTL, IPAM, node lifecycle) write to a new Node at once: a
  // stale read loses with 409, so the heartbeat is read-modify-write with retry.
  await withRetry(kube, name, async (node) => {
    if (node.status?.conditions === undefined) return;
    await kube.updateStatus<NodeView>({ ...node, status: { ...node.status, conditions: node.status.conditions.map((c) => ({ ...c, lastHeartbeatTime: now() })) } });
  });
}

export interface PodOptions {
  cpu?: string;
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: Record<string, unknown>[];
  hostPort?: number;
  schedulerName?: string;
  nodeName?: string;
  image?: string;
}

/** A Pod the scheduler may only place on this scenario's hand-made nodes. */
export async function createPodForHandMadeNodes(world: KitWorld, name: string, o: PodOptions = {}): Promise<PodView> {
  const namespace = await world.scenarioNamespace();
  const container: Record<string, unknown> = { name: 'c', image: o.image ?? 'registry.k8s.io/pause:3.9' };
  if (o.cpu !== undefined) container['resources'] = { requests: { cpu: o.cpu } };
  if (o.hostPort !== undefined) container['ports'] = [{ containerPort: o.hostPort, hostPort: o.hostPort }];
  const spec: Record<string, unknown> = { containers: [container], nodeSelector: { [HAND_MADE]: namespace, ...(o.nodeSelector ?? {}) }, tolerations: [handMadeToleration(namespace), ...(o.tolerations ?? [])], terminationGracePeriodSeconds: 0 };
  if (o.schedulerName !== undefined) spec['schedulerName'] = o.schedulerName;
  if (o.nodeName !== undefined) spec['nodeName'] = o.nodeName;
  const pod = await world.kube.create<PodView>({ ...POD, metadata: { name, namespace, labels: o.labels ?? { app: name } }, spec } as PodView);
  world.remember(`created pod ${name}`, pod);
  return pod;
}

export async function getPod(world: KitWorld, name: string): Promise<PodView> {
  const pod = await world.kube.get<PodView>({ ...POD, name, namespace: world.namespace });
  if (pod === undefined) throw new Error(`Pod ${name} does not exist`);
  return pod;
}

export async function eventsAbout(world: KitWorld, kind: string, name: string): Promise<EventView[]> {
  const list = await world.kube.list<EventView>({ apiVersion: 'v1', kind: 'Event' }, { namespace: world.namespace });
  return list.items.filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name);
}

/**
 * A stand-in kubelet: a hand-made node of the scenario's own (kept alive like the others)
 * that the scheduler may bind the scenario's controller Pods to (they select
 * standInSelector()), and that marks the Pods bound to it Running and Ready with an IP, as
 * its kubelet would. Controllers that count ready Pods can then be checked without running
 * containers. The Pods are really bound to a real Node object: upstream's EndpointSlice
 * controller skips Pods whose node it cannot find, so a Pod "running nowhere" would be a
 * state no real cluster has.
 */
export async function startStandInKubelet(world: KitWorld): Promise<void> {
  if (world.has('stand-in kubelet')) return;
  world.remember('stand-in kubelet', true);
  const kube = world.kube;
  const namespace = await world.scenarioNamespace();
  await createHandMadeNodes(world, [{ alias: STAND_IN, cpu: '64', pods: 250, labels: NOWHERE }]);
  const node = nodeName(world, STAND_IN);
  let n = 0;
  // Each Pod is readied once: a scenario may later make it unready on purpose.
  const done = new Set<string>();
  let stopped = false;
  const readyPod = async (p: PodView): Promise<void> => {
    if (p.spec.nodeName !== node || p.metadata.deletionTimestamp !== undefined) return;
    if (done.has(p.metadata.uid ?? '')) return;
    if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true) return;
    n = (n % 250) + 1;
    const ip = `198.51.100.${n}`;
    const conflict = (error: unknown): boolean => error instanceof ApiError && error.status === 409;
    try {
      // Retried while the apiserver does not answer (it may be restarting), with a deadline.
      await eventually(`the stand-in kubelet to mark Pod ${p.metadata.name ?? ''} Ready`, () => kube.updateStatus<PodView>({ ...p, apiVersion: 'v1', kind: 'Pod', status: { ...(p.status ?? {}), phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [...(p.status?.conditions ?? []).filter((c) => c.type !== 'Ready'), { type: 'Ready', status: 'True', lastTransitionTime: now() }] } }), {
        timeoutMs: 60_000,
        isFatal: (error) => stopped || conflict(error),
      });
      done.add(p.metadata.uid ?? '');
    } catch (error) {
      // A conflict means the Pod changed meanwhile: its next watch event brings it back.
      if (!conflict(error)) throw error;
    }
  };
  // Pods are handled one at a time, in event order, from a watch that survives apiserver
  // restarts. A Pod the apiserver would not update before the deadline stays unready, and the
  // scenario's own wait on it reports that.
  let queue = Promise.resolve();
  const consider = (pods: readonly PodView[]): void => {
    if (stopped) return;
    queue = queue.then(async () => {
      for (const p of pods) await readyPod(p);
    }).catch(() => undefined);
  };
  const list = await kube.list<PodView>(POD, { namespace });
  const watch = ResumableWatch.start(kube, POD, namespace, list.metadata.resourceVersion ?? '0');
  watch.onEvent((event) => { if (event.type === 'ADDED' || event.type === 'MODIFIED') consider([event.object as PodView]); });
  consider(list.items);
  world.onCleanUp(async () => {
    stopped = true;
    await watch.stop();
    await queue;
  });
}

const STAND_IN = 'stand-in';

/**
 * The nodeSelector of Pods meant for the scenario's stand-in kubelet: no real node carries
 * it, and only this scenario's stand-in node does, so Pods without one stay Pending.
 */
export function standInSelector(namespace: string): Record<string, string> {
  return { ...NOWHERE, [HAND_MADE]: namespace };
}

/** Records every watch event on `kind` in the scenario's namespace from now on. */
export async function recordWatch(world: KitWorld, kind: { apiVersion: string; kind: string }, label: string): Promise<readonly WatchEvent[]> {
  const list = await world.kube.list(kind, { namespace: world.namespace });
  const w = await world.kube.watch(kind, { namespace: world.namespace, ...(list.metadata.resourceVersion !== undefined ? { resourceVersion: list.metadata.resourceVersion } : {}) });
  world.onCleanUp(() => w.stop());
  world.remember(label, { initial: list.items, watch: w });
  return w.events;
}
