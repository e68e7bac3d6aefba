/**
 * What the Service and kube-proxy steps share: creating Deployments, Pods and Services in
 * the scenario's namespace through the KubeApi port, and reading who serves a Service.
 * Workloads run the kit's workload image as serve-hostname, so every TCP connection (and,
 * where asked for, every UDP datagram) is answered with the serving Pod's name.
 */
import type { KubeObject } from '../../src/ports/kube-api.ts';
import type { Vantage } from '../../src/ports/network.ts';
import { eventually } from '../../src/world/eventually.ts';
import { describePod } from '../../src/world/failure-snapshot.ts';
import type { KitWorld } from '../../src/world/kit-world.ts';
import { WORKLOAD_IMAGE } from '../../reference/workloads/catalogue.ts';

export interface PodView extends KubeObject {
  spec?: { nodeName?: string };
  status?: {
    podIP?: string;
    phase?: string;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
    containerStatuses?: Array<{ name: string; ready?: boolean; restartCount?: number; state?: Record<string, { reason?: string; message?: string } | undefined> }>;
  };
}

export interface ServiceView extends KubeObject {
  spec?: { clusterIP?: string; type?: string; selector?: Record<string, string>; ports?: Array<{ name?: string; protocol?: string; port: number; targetPort?: number | string; nodePort?: number }> };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

interface SliceView extends KubeObject {
  endpoints?: Array<{ addresses: string[]; conditions?: { ready?: boolean }; targetRef?: { kind?: string; name?: string } }>;
}

export function labels(text: string): Record<string, string> {
  return Object.fromEntries(text.split(',').map((pair) => pair.trim().split('=') as [string, string]));
}

/**
 * serve-hostname on TCP `port` (container port "serve"); with `udp`, on UDP `port` too
 * (container port "serve-udp"), else UDP is off.
 */
export function servingContainer(port: number, options: { udp?: boolean } = {}): Record<string, unknown> {
  return {
    name: 'server',
    image: WORKLOAD_IMAGE,
    args: ['serve-hostname', '--tcp', String(port), '--udp', options.udp === true ? String(port) : '0', '--http', '0'],
    ports: [{ containerPort: port, protocol: 'TCP', name: 'serve' }, ...(options.udp === true ? [{ containerPort: port, protocol: 'UDP', name: 'serve-udp' }] : [])],
    readinessProbe: { tcpSocket: { port }, periodSeconds: 1, failureThreshold: 1 },
  };
}

export async function createDeployment(world: KitWorld, name: string, replicas: number, port: number, options: { udp?: boolean } = {}): Promise<void> {
  const namespace = await world.scenarioNamespace();
  await world.kube.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 2, containers: [servingContainer(port, options)] } },
    },
  });
  world.remember('last deployment', name);
  await readyPods(world, { app: name }, replicas);
}

export async function createPod(world: KitWorld, name: string, podLabels: Record<string, string>, port: number): Promise<void> {
  const namespace = await world.scenarioNamespace();
  await world.kube.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: podLabels }, spec: { terminationGracePeriodSeconds: 2, containers: [servingContainer(port)] } });
  await eventually(`pod ${name} to be ready`, async () => {
    const pod = await world.kube.get<PodView>({ apiVersion: 'v1', kind: 'Pod', namespace, name });
    if (!isReady(pod)) throw new Error(`pod ${name} is ${pod?.status?.phase ?? 'missing'}, not ready`);
  }, { timeoutMs: 180_000 });
}

function isReady(pod: PodView | undefined): boolean {
  return pod?.metadata.deletionTimestamp === undefined && (pod?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The ready, not terminating Pods matching `selector`; waits until there are `count` of them, when given. */
export async function readyPods(world: KitWorld, selector: Record<string, string>, count?: number): Promise<PodView[]> {
  const namespace = await world.scenarioNamespace();
  const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  const all = async (): Promise<PodView[]> => (await world.kube.list<PodView>({ apiVersion: 'v1', kind: 'Pod' }, { namespace, labelSelector })).items;
  if (count === undefined) return (await all()).filter(isReady);
  return eventually(`${count} ready pods with ${labelSelector}`, async () => {
    const pods = await all();
    const ready = pods.filter(isReady);
    if (ready.length !== count) {
      const others = pods.filter((p) => !isReady(p)).map(describePod);
      throw new Error(`${ready.length} ready pods: ${ready.map((p) => p.metadata.name).join(', ')}${others.length > 0 ? `; not ready: ${others.join('; ')}` : ''}`);
    }
    return ready;
  }, { timeoutMs: 180_000 });
}

export async function createService(world: KitWorld, name: string, type: string, selector: Record<string, string>, port: number, targetPort: number, extra: Record<string, unknown> = {}): Promise<ServiceView> {
  const namespace = await world.scenarioNamespace();
  const svc = await world.kube.create<ServiceView>({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { type, selector, ports: [{ name: 'tcp', protocol: 'TCP', port, targetPort }], ...extra },
  });
  world.remember(`service ${name}`, svc);
  world.remember('last service', name);
  return svc;
}

export async function service(world: KitWorld, name: string): Promise<ServiceView> {
  const namespace = await world.scenarioNamespace();
  const svc = await world.kube.get<ServiceView>({ apiVersion: 'v1', kind: 'Service', namespace, name });
  if (svc === undefined) throw new Error(`no Service ${name}`);
  return svc;
}

export async function address(world: KitWorld, name: string): Promise<{ host: string; port: number; nodePort: number | undefined }> {
  const svc = await service(world, name);
  const port = svc.spec?.ports?.[0];
  if (svc.spec?.clusterIP === undefined || port === undefined) throw new Error(`Service ${name} has no cluster IP or port`);
  return { host: svc.spec.clusterIP, port: port.port, nodePort: port.nodePort };
}

/** Names of the Pods the Service's selector picks, ready ones only. */
export async function backendNames(world: KitWorld, serviceName: string): Promise<string[]> {
  const svc = await service(world, serviceName);
  return (await readyPods(world, svc.spec?.selector ?? {})).map((p) => p.metadata.name!);
}

/** Ready endpoints of a Service, by Pod name (targetRef, or the Pod that has the address). */
export async function endpointPodNames(world: KitWorld, serviceName: string): Promise<string[]> {
  const namespace = await world.scenarioNamespace();
  const slices = await world.kube.list<SliceView>({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' }, { namespace, labelSelector: `kubernetes.io/service-name=${serviceName}` });
  const pods = (await world.kube.list<PodView>({ apiVersion: 'v1', kind: 'Pod' }, { namespace })).items;
  const names: string[] = [];
  for (const slice of slices.items)
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      const name = ep.targetRef?.name ?? pods.find((p) => p.status?.podIP === ep.addresses[0])?.metadata.name ?? ep.addresses[0]!;
      names.push(name);
    }
  return names.sort();
}

export async function clientVantage(world: KitWorld, node?: string): Promise<Vantage> {
  const namespace = await world.scenarioNamespace();
  return node === undefined ? { from: 'pod', namespace } : { from: 'pod', namespace, node };
}

export function describe(counts: Map<string, number>): string {
  return JSON.stringify(Object.fromEntries(counts));
}
