/**
 * Kubernetes `Status` errors (k8s.io/apimachinery/pkg/api/errors): every API failure in kubelife is
 * one of these values, with the upstream code, reason and message template.
 */

export interface StatusCause { type?: string; message: string; field?: string }

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

function status(code: number, reason: string, message: string, details?: Status['details']): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

/** A resource name qualified by group, as errors print it: "pods", "deployments.apps". */
export function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const errors = {
  badRequest: (message: string) => status(400, 'BadRequest', message),
  unauthorized: () => status(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (resource: string, group: string, name: string, reason: string) =>
    status(403, 'Forbidden', name ? `${qualified(resource, group)} "${name}" is forbidden: ${reason}` : `${qualified(resource, group)} is forbidden: ${reason}`,
      { ...(name ? { name } : {}), group, kind: resource }),
  notFound: (resource: string, group: string, name: string) =>
    status(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, { name, group, kind: resource }),
  methodNotAllowed: (action: string, resource: string) =>
    status(405, 'MethodNotAllowed', `${action} is not supported on resources of kind "${resource}"`),
  alreadyExists: (resource: string, group: string, name: string) =>
    status(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, { name, group, kind: resource }),
  conflict: (resource: string, group: string, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
    status(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why}`, { name, group, kind: resource }),
  expired: (message: string) => status(410, 'Expired', message),
  invalid: (kind: string, group: string, name: string, causes: StatusCause[]) =>
    status(422, 'Invalid', `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${causes.length > 1 ? '[' : ''}${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ')}${causes.length > 1 ? ']' : ''}`,
      { name, group, kind, causes: causes.map((c) => ({ type: c.type ?? 'FieldValueInvalid', message: c.message, ...(c.field ? { field: c.field } : {}) })) }),
  tooLarge: (message: string) => status(413, 'RequestEntityTooLarge', message),
  unsupportedMediaType: (message: string) => status(415, 'UnsupportedMediaType', message),
  tooManyRequests: (message: string) => status(429, 'TooManyRequests', message, { retryAfterSeconds: 1 }),
  internal: (message: string) => status(500, 'InternalError', `Internal error occurred: ${message}`),
  unavailable: (message: string) => status(503, 'ServiceUnavailable', message),
  timeout: (message: string) => status(504, 'Timeout', `Timeout: ${message}`),
};

export function isStatus(x: unknown): x is Status {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'Status';
}

export function success(message = ''): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', message, reason: '', code: 200 };
}
