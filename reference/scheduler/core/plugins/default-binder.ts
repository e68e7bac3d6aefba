/** DefaultBinder: the Binding the shell POSTs to pods/<name>/binding (upstream defaultbinder). */
import type { Pod } from '../../../client-machinery/core/api-types.ts';
import type { Binding, BindPlugin } from '../framework.ts';

export const DefaultBinder = {
  name: 'DefaultBinder',
  bind(pod: Pod, nodeName: string): Binding {
    const metadata: Binding['metadata'] = { name: pod.metadata.name, namespace: pod.metadata.namespace ?? 'default' };
    // The uid precondition makes the apiserver refuse a Binding for a recreated namesake.
    if (pod.metadata.uid !== undefined) metadata.uid = pod.metadata.uid;
    return { apiVersion: 'v1', kind: 'Binding', metadata, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } };
  },
} satisfies BindPlugin;
