/**
 * Metadata-only responses (meta.k8s.io/v1 PartialObjectMetadata and
 * PartialObjectMetadataList), what client-go's metadata client asks for with
 * `Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1` (lists) and
 * `as=PartialObjectMetadata` (get and watch). The controller-manager's garbage collector and
 * quota monitors use it for every resource; a watch event whose object is the full kind
 * fails to decode there when the client's scheme lacks that kind (CustomResourceDefinition,
 * APIService), so those must be answered in this form, bookmarks included.
 */
type Obj = Record<string, unknown>;

export type MetadataForm = 'object' | 'list';

/**
 * The metadata-only form the Accept header asks for first, if any. Media types are tried in
 * order, as upstream's negotiation does; a Table or a plain type before it wins.
 */
export function wantsPartialMetadata(accept: string | undefined): MetadataForm | undefined {
  if (accept === undefined) return undefined;
  for (const part of accept.split(',')) {
    const params = new Map(part.split(';').slice(1).map((p) => p.trim().split('=') as [string, string]));
    const as = params.get('as');
    const type = part.split(';')[0]?.trim() ?? '';
    if (as === undefined) {
      if (type === 'application/json' || type === '*/*' || type === 'application/*') return undefined;
      continue;
    }
    if (params.get('g') !== 'meta.k8s.io' || (params.get('v') !== 'v1' && params.get('v') !== undefined)) continue;
    if (type !== 'application/json') continue;
    if (as === 'PartialObjectMetadata') return 'object';
    if (as === 'PartialObjectMetadataList') return 'list';
    if (as === 'Table') return undefined;
  }
  return undefined;
}

export function toPartialObjectMetadata(o: Obj): Obj {
  return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: o['metadata'] ?? {} };
}

export function toPartialObjectMetadataList(list: Obj): Obj {
  const items = Array.isArray(list['items']) ? (list['items'] as Obj[]) : [];
  return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadataList', metadata: list['metadata'] ?? {}, items: items.map(toPartialObjectMetadata) };
}
