/**
 * What a failed scenario leaves for whoever reads the report: the state of its namespace
 * (Pods with their node, phase, failing conditions and container states; recent Events), the
 * nodes, and the component log lines that name the namespace. A CI log shows little more than
 * the failed step's error; this is what tells a slow kubelet from a lost watch.
 *
 * Everything is read through the KubeApi port, so it works on every target; component logs
 * only where the target says where they are. Best effort: a part that cannot be read says so.
 */
import type { KubeApi, KubeObject } from '../ports/kube-api.ts';
import type { ComponentLogs } from '../ports/target.ts';

export const SNAPSHOT_MEDIA_TYPE = 'text/x-kck-snapshot';

interface PodLike extends KubeObject {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string; reason?: string }[];
    containerStatuses?: { name: string; ready?: boolean; restartCount?: number; state?: Record<string, { reason?: string; exitCode?: number; message?: string } | undefined> }[];
  };
}

interface EventLike extends KubeObject {
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  involvedObject?: { kind?: string; name?: string };
  lastTimestamp?: string;
  eventTime?: string;
}

interface NodeLike extends KubeObject {
  spec?: { taints?: { key: string; effect: string }[]; unschedulable?: boolean };
  status?: { conditions?: { type: string; status: string }[] };
}

export function describePod(p: PodLike): string {
  const failing = (p.status?.conditions ?? []).filter((c) => c.status !== 'True').map((c) => `${c.type}=${c.status}${c.reason ? `(${c.reason})` : ''}`);
  const containers = (p.status?.containerStatuses ?? []).map((c) => {
    const [state, detail] = Object.entries(c.state ?? {})[0] ?? ['unknown', undefined];
    const why = detail?.reason ?? (detail?.exitCode !== undefined ? `exit ${detail.exitCode}` : '');
    return `${c.name}:${state}${why ? `(${why})` : ''}${c.restartCount ? ` restarts=${c.restartCount}` : ''}`;
  });
  const deleting = p.metadata.deletionTimestamp !== undefined ? ' deleting' : '';
  const ip = p.status?.podIP ? ` ip ${p.status.podIP}` : '';
  return `pod ${p.metadata.name ?? ''} on ${p.spec?.nodeName ?? '(no node)'}${ip}: ${p.status?.phase ?? 'no phase'}${deleting}${failing.length ? ` ${failing.join(' ')}` : ''}${containers.length ? ` [${containers.join(', ')}]` : ' [no container statuses]'}`;
}

function describeEvent(e: EventLike): string {
  const when = (e.lastTimestamp ?? e.eventTime ?? '').slice(11, 19);
  return `event ${when} ${e.type ?? ''} ${e.reason ?? ''} ${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}${(e.count ?? 1) > 1 ? ` x${e.count}` : ''}: ${(e.message ?? '').slice(0, 200)}`;
}

function describeNode(n: NodeLike): string {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'unknown';
  const taints = (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`);
  return `node ${n.metadata.name ?? ''}: Ready=${ready}${n.spec?.unschedulable === true ? ' unschedulable' : ''}${taints.length ? ` taints ${taints.join(',')}` : ''}`;
}

async function section(title: string, read: () => Promise<string[]>): Promise<string[]> {
  try {
    const lines = await read();
    return [`-- ${title}`, ...(lines.length ? lines : ['(none)'])];
  } catch (error) {
    return [`-- ${title}: could not read: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`];
  }
}

export async function failureSnapshot(kube: KubeApi, namespace: string, logs: ComponentLogs | undefined): Promise<string> {
  const lines: string[] = [];
  if (namespace !== '') {
    lines.push(...await section(`Pods in ${namespace}`, async () => (await kube.list<PodLike>({ apiVersion: 'v1', kind: 'Pod' }, { namespace })).items.map(describePod)));
    lines.push(...await section(`last Events in ${namespace}`, async () => {
      const events = (await kube.list<EventLike>({ apiVersion: 'v1', kind: 'Event' }, { namespace })).items;
      const at = (e: EventLike): string => e.lastTimestamp ?? e.eventTime ?? '';
      return events.sort((a, b) => at(a).localeCompare(at(b))).slice(-20).map(describeEvent);
    }));
  }
  lines.push(...await section('Nodes', async () => (await kube.list<NodeLike>({ apiVersion: 'v1', kind: 'Node' })).items.map(describeNode)));
  if (logs !== undefined && namespace !== '') {
    lines.push(...await section(`component log lines naming ${namespace}`, () => logs.linesNaming(namespace, 15)));
  }
  return lines.join('\n');
}
