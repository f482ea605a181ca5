/**
 * Field selectors (k8s.io/apimachinery/pkg/fields): `f=v`, `f==v`, `f!=v` joined by commas, with
 * `\,` `\=` `\\` escapes in values; and the fields each resource exposes for selection, as the
 * registries' ToSelectableFields functions and the scheme's field label conversions define them.
 */

export type FieldOperator = '=' | '!=';

export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** A parsed field selector: the AND of its terms. Empty matches everything. */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

export type FieldSelectorResult = { ok: true; selector: FieldSelector } | { ok: false; error: string };
export type ObjectFieldsResult = { ok: true; fields: Record<string, string> } | { ok: false; error: string };

/** Splits on unescaped commas, keeping escapes for UnescapeValue (fields.splitTerms). */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

// "!=" and "==" are tried before "=" so no '=' is left on either side.
const TERM_OPERATORS = ['!=', '==', '='] as const;

function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(s: string): { ok: true; value: string } | { ok: false; error: string } {
  if (!/[\\,=]/.test(s)) return { ok: true, value: s };
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') return { ok: false, error: `invalid field selector: invalid escape sequence: \\${c}` };
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Go prints the rune with %v, which is its code point.
      return { ok: false, error: `invalid field selector: unescaped character in value: ${c.codePointAt(0)}` };
    } else {
      out += c;
    }
  }
  if (inSlash) return { ok: false, error: 'invalid field selector: invalid escape sequence: \\' };
  return { ok: true, value: out };
}

/**
 * fields.ParseSelector. Given a resource, also applies that resource's field label conversion so an
 * unsupported field is refused the way the apiserver refuses it (a 400 with upstream's message).
 */
export function parseFieldSelector(s: string, resource?: string): FieldSelectorResult {
  const parts = splitTerms(s).sort();
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) return { ok: false, error: `invalid selector: '${s}'; can't understand '${part}'` };
    const v = unescapeValue(t.rhs);
    if (!v.ok) return v;
    // Old clients send spec.host for pods; the pod field label conversion renames it.
    const field = resource === 'pods' && t.lhs === 'spec.host' ? 'spec.nodeName' : t.lhs;
    reqs.push({ field, operator: t.op === '!=' ? '!=' : '=', value: v.value });
  }
  const selector: FieldSelector = { requirements: reqs };
  if (resource !== undefined) {
    const err = validateFieldSelector(resource, selector);
    if (err) return { ok: false, error: err };
  }
  return { ok: true, selector };
}

/** Selector.Matches over a fields.Set: a missing field reads as the empty string, as upstream. */
export function matchesFields(selector: FieldSelector, fields: Record<string, string>): boolean {
  return selector.requirements.every((r) => {
    const v = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field]! : '';
    return r.operator === '=' ? v === r.value : v !== r.value;
  });
}

/** The canonical string form of a field selector ("metadata.name=x,status.phase!=Running"). */
export function formatFieldSelector(selector: FieldSelector): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/=/g, '\\=');
  return selector.requirements.map((r) => `${r.field}${r.operator}${esc(r.value)}`).join(',');
}

type Get = (path: string) => unknown;
type FieldsOf = (get: Get) => Record<string, string>;

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const bool = (v: unknown) => (v === true ? 'true' : 'false');
const int = (v: unknown) => (typeof v === 'number' ? String(v) : '0');

interface ResourceFields {
  /** Field labels the scheme accepts for this kind. */
  readonly labels: readonly string[];
  /** The message of the kind's field label conversion for anything else. */
  readonly unsupported: (label: string) => string;
  readonly fields: FieldsOf;
  readonly clusterScoped?: boolean;
}

const coreUnsupported = (label: string) => `field label not supported: ${label}`;
// runtime.DefaultMetaV1FieldSelectorConversion, used by every kind that registers no conversion.
const defaultUnsupported = (label: string) => `${JSON.stringify(label)} is not a known field selector: only "metadata.name", "metadata.namespace"`;
const META = ['metadata.name', 'metadata.namespace'];

const RESOURCE_FIELDS: Record<string, ResourceFields> = {
  pods: {
    labels: [...META, 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.podIPs', 'status.nominatedNodeName'],
    unsupported: coreUnsupported,
    fields: (g) => {
      const podIPs = g('status.podIPs') as Array<{ ip?: string }> | undefined;
      return {
        'spec.nodeName': str(g('spec.nodeName')),
        'spec.restartPolicy': str(g('spec.restartPolicy')),
        'spec.schedulerName': str(g('spec.schedulerName')),
        'spec.serviceAccountName': str(g('spec.serviceAccountName')),
        'spec.hostNetwork': bool(g('spec.hostNetwork')),
        'status.phase': str(g('status.phase')),
        // Upstream reads the first of podIPs; kubelife also writes podIP, used when podIPs is absent.
        'status.podIP': str(Array.isArray(podIPs) && podIPs.length > 0 ? podIPs[0]?.ip : g('status.podIP')),
        'status.nominatedNodeName': str(g('status.nominatedNodeName')),
      };
    },
  },
  events: {
    labels: [...META, 'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
    unsupported: coreUnsupported,
    fields: (g) => ({
      'involvedObject.kind': str(g('involvedObject.kind')),
      'involvedObject.namespace': str(g('involvedObject.namespace')),
      'involvedObject.name': str(g('involvedObject.name')),
      'involvedObject.uid': str(g('involvedObject.uid')),
      'involvedObject.apiVersion': str(g('involvedObject.apiVersion')),
      'involvedObject.resourceVersion': str(g('involvedObject.resourceVersion')),
      'involvedObject.fieldPath': str(g('involvedObject.fieldPath')),
      reason: str(g('reason')),
      reportingComponent: str(g('reportingComponent') ?? g('reportingController')),
      // The source falls back to the reporting controller, as the events registry does.
      source: str(g('source.component') || g('reportingComponent') || g('reportingController')),
      type: str(g('type')),
    }),
  },
  nodes: { labels: ['metadata.name', 'spec.unschedulable'], unsupported: coreUnsupported, clusterScoped: true, fields: (g) => ({ 'spec.unschedulable': bool(g('spec.unschedulable')) }) },
  namespaces: { labels: ['metadata.name', 'status.phase'], unsupported: coreUnsupported, clusterScoped: true, fields: (g) => ({ 'status.phase': str(g('status.phase')) }) },
  secrets: { labels: [...META, 'type'], unsupported: coreUnsupported, fields: (g) => ({ type: str(g('type')) }) },
  services: { labels: [...META, 'spec.clusterIP', 'spec.type'], unsupported: coreUnsupported, fields: (g) => ({ 'spec.clusterIP': str(g('spec.clusterIP')), 'spec.type': str(g('spec.type')) }) },
  replicasets: { labels: [...META, 'status.replicas'], unsupported: coreUnsupported, fields: (g) => ({ 'status.replicas': int(g('status.replicas')) }) },
  jobs: {
    labels: [...META, 'status.successful'],
    unsupported: (label) => `field label ${JSON.stringify(label)} not supported for batchv1.Job`,
    fields: (g) => ({ 'status.successful': int(g('status.succeeded')) }),
  },
};

const CLUSTER_SCOPED_DEFAULTS = new Set(['clusterroles', 'clusterrolebindings']);

function getter(obj: Record<string, unknown>): Get {
  return (path) => {
    let cur: unknown = obj;
    for (const seg of path.split('.')) {
      if (typeof cur !== 'object' || cur === null) return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    }
    return cur;
  };
}

/**
 * The fields.Set the apiserver matches field selectors against: metadata.name, metadata.namespace
 * (namespaced kinds only) and the resource's own selectable fields.
 */
export function objectFields(resource: string, obj: unknown): ObjectFieldsResult {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { ok: false, error: 'object is not a JSON object' };
  const get = getter(obj as Record<string, unknown>);
  const spec = RESOURCE_FIELDS[resource];
  const clusterScoped = spec?.clusterScoped ?? CLUSTER_SCOPED_DEFAULTS.has(resource);
  const fields: Record<string, string> = { 'metadata.name': str(get('metadata.name')) };
  if (!clusterScoped) fields['metadata.namespace'] = str(get('metadata.namespace'));
  return { ok: true, fields: { ...fields, ...(spec ? spec.fields(get) : {}) } };
}

/** The scheme's field label conversion: undefined when every field is selectable, else the 400 message. */
export function validateFieldSelector(resource: string, selector: FieldSelector): string | undefined {
  const spec = RESOURCE_FIELDS[resource];
  const labels = spec?.labels ?? META;
  const unsupported = spec?.unsupported ?? defaultUnsupported;
  for (const r of selector.requirements) {
    if (!labels.includes(r.field)) return unsupported(r.field);
  }
  return undefined;
}

/** The field labels a resource supports, for help text and tests. */
export function selectableFields(resource: string): readonly string[] {
  return RESOURCE_FIELDS[resource]?.labels ?? META;
}
