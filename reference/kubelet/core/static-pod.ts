/**
 * Static Pods: a manifest in --pod-manifest-path becomes a Pod of this node that the kubelet
 * runs without the API; the API gets a mirror Pod (annotation kubernetes.io/config.mirror)
 * so users can see it. As upstream: the name gets "-<nodeName>" appended, the uid is derived
 * from the manifest content and node (so an edited manifest is a new Pod), and the mirror is
 * recreated when deleted.
 */
import type { PodJson } from './pod-types.ts';

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
export const SOURCE_ANNOTATION = 'kubernetes.io/config.source';
export const HASH_ANNOTATION = 'kubernetes.io/config.hash';

/** FNV-1a over the manifest text and node name: a stable, content-derived uid. */
export function staticPodHash(text: string, nodeName: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const ch of `${nodeName}\n${text}`) {
    const code = ch.codePointAt(0) ?? 0;
    h1 = Math.imul(h1 ^ code, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ code, 0x811c9dc5) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

export function staticPod(manifest: unknown, text: string, nodeName: string): PodJson {
  const m = manifest as Partial<PodJson> | undefined;
  if (!m || m.kind !== 'Pod' || !m.metadata?.name || !m.spec?.containers?.length) throw new Error('a static Pod manifest needs kind Pod, metadata.name and spec.containers');
  const hash = staticPodHash(text, nodeName);
  const uid = `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-0000-000000000000`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...m.metadata,
      name: `${m.metadata.name}-${nodeName}`,
      namespace: m.metadata.namespace ?? 'default',
      uid,
      annotations: { ...(m.metadata.annotations ?? {}), [SOURCE_ANNOTATION]: 'file', [HASH_ANNOTATION]: hash },
    },
    spec: { ...m.spec, nodeName },
  };
}

/** The mirror Pod the API shows for a static Pod. */
export function mirrorPod(pod: PodJson, nodeRef: { name: string; uid: string } | undefined): Record<string, unknown> {
  const hash = pod.metadata.annotations?.[HASH_ANNOTATION] ?? '';
  const { uid: _uid, resourceVersion: _rv, ...meta } = pod.metadata;
  void _uid; void _rv;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...meta,
      annotations: { ...(pod.metadata.annotations ?? {}), [MIRROR_ANNOTATION]: hash },
      ...(nodeRef ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeRef.name, uid: nodeRef.uid, controller: true }] } : {}),
    },
    spec: pod.spec,
  };
}
