/**
 * Discovery documents (/api, /apis, /apis/<group>/<version>, /api/v1), /version and an
 * OpenAPI v3 index whose per-group documents carry what kubectl looks for: PATCH
 * operations tagged with x-kubernetes-group-version-kind that accept `fieldValidation`,
 * so kubectl leaves validation to the server (which validates every write).
 */
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
