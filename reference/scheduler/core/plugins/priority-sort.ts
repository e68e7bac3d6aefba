/** PrioritySort (upstream queuesort): higher spec.priority first, then first come first served. */
import type { QueuedPodInfo, QueueSortPlugin } from '../framework.ts';

export const PrioritySort = {
  name: 'PrioritySort',
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const pa = a.pod.spec.priority ?? 0;
    const pb = b.pod.spec.priority ?? 0;
    return pa > pb || (pa === pb && a.timestamp < b.timestamp);
  },
} satisfies QueueSortPlugin;
