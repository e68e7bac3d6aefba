/**
 * Builders for metav1.Status, the body of every error response. Codes and reasons follow
 * k8s.io/apimachinery/pkg/api/errors so clients (kubectl, client-go, client-node) classify them.
 */

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** Thrown inside the apiserver to answer with a Status; never escapes as a 500. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? String(status.code));
  }
}

export function failure(code: number, reason: string, message: string, details?: StatusDetails): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details !== undefined) s.details = details;
  return s;
}

export function success(details?: StatusDetails): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details !== undefined) s.details = details;
  return s;
}

/** "deployments.apps" or "pods": how upstream names a resource in messages. */
export function qualified(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

export const errors = {
  notFound: (resource: string, group: string, name: string): StatusError =>
    new StatusError(failure(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, { name, group, kind: resource })),
  alreadyExists: (resource: string, group: string, name: string): StatusError =>
    new StatusError(failure(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, { name, group, kind: resource })),
  conflict: (resource: string, group: string, name: string, why: string): StatusError =>
    new StatusError(failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why}`, { name, group, kind: resource })),
  invalid: (kind: string, group: string, name: string, causes: StatusCause[]): StatusError => {
    const list = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    const what = group === '' ? kind : `${kind}.${group}`;
    return new StatusError(failure(422, 'Invalid', `${what} "${name}" is invalid: ${causes.length > 1 ? `[${list}]` : list}`, { name, group, kind, causes }));
  },
  badRequest: (message: string): StatusError => new StatusError(failure(400, 'BadRequest', message)),
  unauthorized: (): StatusError => new StatusError(failure(401, 'Unauthorized', 'Unauthorized')),
  forbidden: (user: string, verb: string, resource: string, group: string, namespace: string | undefined, name?: string, why = ''): StatusError => {
    const scope = namespace === undefined || namespace === '' ? 'at the cluster scope' : `in the namespace "${namespace}"`;
    const message = `${qualified(resource, group)}${name !== undefined ? ` "${name}"` : ''} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}${why === '' ? '' : `: ${why}`}`;
    const details: StatusDetails = { group, kind: resource };
    if (name !== undefined) details.name = name;
    return new StatusError(failure(403, 'Forbidden', message, details));
  },
  forbiddenMessage: (message: string): StatusError => new StatusError(failure(403, 'Forbidden', message)),
  gone: (message: string): StatusError => new StatusError(failure(410, 'Expired', message)),
  methodNotAllowed: (method: string): StatusError => new StatusError(failure(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`)),
  unsupportedMediaType: (type: string): StatusError => new StatusError(failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${type})`)),
  pathNotFound: (path: string): StatusError => new StatusError(failure(404, 'NotFound', `the server could not find the requested resource (${path})`)),
  serviceUnavailable: (message: string): StatusError => new StatusError(failure(503, 'ServiceUnavailable', message)),
  tooManyRequests: (message: string): StatusError => new StatusError(failure(429, 'TooManyRequests', message)),
};

export function isStatusError(e: unknown): e is StatusError {
  return e instanceof StatusError;
}
