/**
 * What a Pod asks for and what a Node offers, in the units the fit check compares
 * (upstream framework.Resource): millicores, bytes, a pod count, and scalar resources.
 */
import type { Container, Node, Pod, ResourceList } from '../../client-machinery/core/api-types.ts';
import { milliCpu, wholeUnits } from '../../client-machinery/core/quantity.ts';

export interface Resources {
  milliCpu: number;
  memory: number;
  pods: number;
  /** Extended and other scalar resources (ephemeral-storage, example.com/gpu...). */
  scalar: Map<string, number>;
}

export function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, pods: 0, scalar: new Map() };
}

function fromList(list: ResourceList | undefined): Resources {
  const r = emptyResources();
  for (const [name, value] of Object.entries(list ?? {})) {
    if (name === 'cpu') r.milliCpu = milliCpu(value);
    else if (name === 'memory') r.memory = wholeUnits(value);
    else if (name === 'pods') r.pods = wholeUnits(value);
    else r.scalar.set(name, wholeUnits(value));
  }
  return r;
}

function add(into: Resources, r: Resources): void {
  into.milliCpu += r.milliCpu;
  into.memory += r.memory;
  for (const [k, v] of r.scalar) into.scalar.set(k, (into.scalar.get(k) ?? 0) + v);
}

function max(into: Resources, r: Resources): void {
  into.milliCpu = Math.max(into.milliCpu, r.milliCpu);
  into.memory = Math.max(into.memory, r.memory);
  for (const [k, v] of r.scalar) into.scalar.set(k, Math.max(into.scalar.get(k) ?? 0, v));
}

/**
 * Effective request: the sum over app containers, or the largest init container if bigger
 * (init containers run one at a time before the app containers), plus pod overhead.
 */
export function podRequests(pod: Pod): Resources {
  const sum = emptyResources();
  for (const c of pod.spec.containers) add(sum, fromList(c.resources?.requests));
  for (const c of pod.spec.initContainers ?? []) max(sum, fromList(c.resources?.requests));
  const overhead = pod.spec['overhead'] as ResourceList | undefined;
  if (overhead !== undefined) add(sum, fromList(overhead));
  return sum;
}

/**
 * Upstream scores Pods that request nothing as if they asked for 100m CPU and 200Mi memory
 * (schedutil.DefaultMilliCPURequest / DefaultMemoryRequest), so best-effort Pods still spread.
 */
export const DEFAULT_MILLI_CPU = 100;
export const DEFAULT_MEMORY = 200 * 1024 * 1024;

export function nonZeroRequests(pod: Pod): { milliCpu: number; memory: number } {
  let cpu = 0;
  let memory = 0;
  const each = (c: Container): { cpu: number; memory: number } => {
    const r = fromList(c.resources?.requests);
    const req = c.resources?.requests ?? {};
    return { cpu: 'cpu' in req ? r.milliCpu : DEFAULT_MILLI_CPU, memory: 'memory' in req ? r.memory : DEFAULT_MEMORY };
  };
  for (const c of pod.spec.containers) {
    const r = each(c);
    cpu += r.cpu;
    memory += r.memory;
  }
  for (const c of pod.spec.initContainers ?? []) {
    const r = each(c);
    cpu = Math.max(cpu, r.cpu);
    memory = Math.max(memory, r.memory);
  }
  return { milliCpu: cpu, memory };
}

export function nodeAllocatable(node: Node): Resources {
  return fromList(node.status?.allocatable ?? node.status?.capacity);
}
