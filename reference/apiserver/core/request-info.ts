/**
 * Parses a request path and method into what authorization and routing need, as
 * upstream's RequestInfoFactory does (k8s.io/apiserver/pkg/endpoints/request).
 */

export interface ResourceRequest {
  kind: 'resource';
  verb: string;
  group: string;
  version: string;
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
}

export interface NonResourceRequest {
  kind: 'non-resource';
  verb: string;
  path: string;
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function truthy(v: string | null): boolean {
  return v !== null && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const lower = method.toLowerCase();
  const nonResource = (): NonResourceRequest => ({ kind: 'non-resource', verb: lower === 'head' ? 'get' : lower, path });
  const parts = path.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    rest = parts.slice(3);
  } else return nonResource();

  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1] ?? '';
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) rest = rest.slice(2);
  }
  const resource = rest[0] ?? '';
  const name = rest[1] ?? '';
  const subresource = rest[2] ?? '';
  if (resource === 'namespaces' && namespace !== '' && rest[1] === namespace) namespace = '';
  if (rest.length > 3) return nonResource();

  let verb: string;
  switch (lower) {
    case 'get':
    case 'head':
      verb = watchPath || truthy(query.get('watch')) ? 'watch' : name === '' ? 'list' : 'get';
      break;
    case 'post':
      verb = 'create';
      break;
    case 'put':
      verb = 'update';
      break;
    case 'patch':
      verb = 'patch';
      break;
    case 'delete':
      verb = name === '' ? 'deletecollection' : 'delete';
      break;
    default:
      verb = lower;
  }
  return { kind: 'resource', verb, group, version, namespace, resource, name, subresource };
}
