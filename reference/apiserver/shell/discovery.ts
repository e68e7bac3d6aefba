/**
 * Discovery documents (/api, /apis, /apis/<group>/<version>, /api/v1), /version and an
 * OpenAPI v3 index whose per-group documents carry what kubectl looks for: PATCH
 * operations tagged with x-kubernetes-group-version-kind that accept `fieldValidation`,
 * so kubectl leaves validation to the server (which validates every write).
 */
import { message } from '../core/protobuf-encode.ts';
import { ALL_VERBS, RESOURCES, groupVersion, groupVersions } from '../core/resource-table.ts';

export const VERSION_INFO = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.24.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function apiVersions(advertise: string): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: advertise }] };
}

export function apiGroupList(): unknown {
  const groups = [...new Set(RESOURCES.filter((r) => r.group !== '').map((r) => r.group))];
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((name) => {
      const versions = groupVersions().filter((gv) => gv.group === name).map((gv) => ({ groupVersion: groupVersion(gv), version: gv.version }));
      return { name, versions, preferredVersion: versions[0] };
    }),
  };
}

export function apiGroup(name: string): unknown | undefined {
  const versions = groupVersions().filter((gv) => gv.group === name).map((gv) => ({ groupVersion: groupVersion(gv), version: gv.version }));
  return versions.length === 0 ? undefined : { kind: 'APIGroup', apiVersion: 'v1', name, versions, preferredVersion: versions[0] };
}

export function resourceList(group: string, version: string): unknown | undefined {
  const rs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (rs.length === 0) return undefined;
  const resources: unknown[] = [];
  for (const r of rs) {
    resources.push({ name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: [...ALL_VERBS], ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}), ...(r.categories !== undefined ? { categories: r.categories } : {}), storageVersionHash: '' });
    for (const sub of r.subresources) {
      const kind = sub === 'scale' ? 'Scale' : sub === 'binding' ? 'Binding' : sub === 'eviction' ? 'Eviction' : r.kind;
      const verbs = sub === 'binding' || sub === 'eviction' ? ['create'] : sub === 'log' ? ['get'] : sub === 'finalize' ? ['update'] : ['get', 'patch', 'update'];
      const extra = sub === 'scale' ? { group: 'autoscaling', version: 'v1' } : sub === 'eviction' ? { group: 'policy', version: 'v1' } : {};
      resources.push({ name: `${r.resource}/${sub}`, singularName: '', namespaced: r.namespaced, kind, verbs, ...extra });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources };
}

function docPath(gv: { group: string; version: string }): string {
  return gv.group === '' ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`;
}

export function openApiIndex(): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of groupVersions()) paths[docPath(gv)] = { serverRelativeURL: `/openapi/v3/${docPath(gv)}?hash=${VERSION_INFO.gitVersion}` };
  return { paths };
}

const PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } }));

export function openApiGroupDocument(path: string): unknown | undefined {
  const gv = groupVersions().find((x) => docPath(x) === path);
  if (gv === undefined) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const r of RESOURCES.filter((x) => x.group === gv.group && x.version === gv.version)) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const base = `/${docPath(gv)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
    const op = (verb: string): unknown => ({ operationId: `${verb}${r.kind}`, 'x-kubernetes-action': verb, 'x-kubernetes-group-version-kind': gvk, parameters: PARAMS, responses: { '200': { description: 'OK' } } });
    paths[base] = { get: op('list'), post: op('post') };
    paths[`${base}/{name}`] = { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') };
    // An open schema: kubectl's client-side validation finds nothing to reject, the server decides.
    schemas[`io.k8s.kck.${r.group === '' ? 'core' : r.group}.${r.version}.${r.kind}`] = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, 'x-kubernetes-group-version-kind': [gvk] };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: VERSION_INFO.gitVersion }, paths, components: { schemas } };
}

/**
 * OpenAPI v2 as kubectl ≤ 1.27 fetches it (gnostic openapi_v2.Document, protobuf): only the
 * paths with PATCH operations tagged x-kubernetes-group-version-kind that take
 * `fieldValidation`, so kubectl uses server-side field validation. Field numbers are
 * gnostic's: Document.paths=8, Paths.path=2, NamedPathItem{name=1,value=2},
 * PathItem.patch=8, Operation{parameters=8,vendor_extension=13}, ParametersItem.parameter=1,
 * Parameter.non_body_parameter=2, NonBodyParameter.query_parameter_sub_schema=3,
 * QueryParameterSubSchema{in=2,name=4,type=6}, NamedAny{name=1,value=2}, Any.yaml=2.
 */
export function openApiV2Protobuf(): Uint8Array {
  const items: Uint8Array[] = [];
  for (const r of RESOURCES) {
    const gv = { group: r.group, version: r.version };
    const path = `/${docPath(gv)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}/{name}`;
    const gvk = message([[1, 'x-kubernetes-group-version-kind'], [2, message([[2, `group: "${r.group}"\nkind: ${r.kind}\nversion: ${r.version}\n`]])]]);
    const params = ['dryRun', 'fieldManager', 'fieldValidation'].map((name) => message([[1, message([[2, message([[3, message([[2, 'query'], [4, name], [6, 'string']])]])]])]]));
    const op = message([[5, `patch${r.kind}`], ...params.map((p): [number, Uint8Array] => [8, p]), [13, gvk]]);
    items.push(message([[1, path], [2, message([[8, op]])]]));
  }
  return message([[1, '2.0'], [2, message([[1, 'Kubernetes'], [2, VERSION_INFO.gitVersion]])], [8, message(items.map((i): [number, Uint8Array] => [2, i]))]]);
}
