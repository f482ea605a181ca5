import { describe, expect, test } from 'vitest';
import {
  EVERYTHING, NOTHING, formatFieldSelector, formatLabelSelector, isEverything, labelSelectorFromObject, labelSelectorFromSet, matchesFields, matchesLabels,
  objectFields, parseFieldSelector, parseLabelSelector, validateFieldSelector, type Selector,
} from '../../src/api/selectors.ts';
import type { LabelSelector } from '../../src/api/objects.ts';

function parsed(s: string): Selector {
  const r = parseLabelSelector(s);
  if (!r.ok) throw new Error(`unexpected parse error for ${JSON.stringify(s)}: ${r.error}`);
  return r.selector;
}

const web = { app: 'web', tier: 'frontend', env: 'prod' };

describe('label selector strings', () => {
  test.each<{ name: string; selector: string; labels: Record<string, string>; matches: boolean }>([
    { name: 'the empty selector matches everything', selector: '', labels: {}, matches: true },
    { name: 'equality matches the same value', selector: 'app=web', labels: web, matches: true },
    { name: 'double equals is equality', selector: 'app==web', labels: web, matches: true },
    { name: 'equality fails on another value', selector: 'app=db', labels: web, matches: false },
    { name: 'equality fails on a missing key', selector: 'owner=me', labels: web, matches: false },
    { name: 'inequality holds for another value', selector: 'app!=db', labels: web, matches: true },
    { name: 'inequality holds for a missing key', selector: 'owner!=me', labels: web, matches: true },
    { name: 'in matches any listed value', selector: 'env in (staging,prod)', labels: web, matches: true },
    { name: 'in fails on a missing key', selector: 'owner in (a)', labels: web, matches: false },
    { name: 'notin holds for a missing key', selector: 'owner notin (a)', labels: web, matches: true },
    { name: 'notin fails on a listed value', selector: 'env notin (prod)', labels: web, matches: false },
    { name: 'a bare key requires the key', selector: 'tier', labels: web, matches: true },
    { name: 'a negated key requires its absence', selector: '!tier', labels: web, matches: false },
    { name: 'terms are ANDed', selector: 'app=web,env in (prod),!legacy', labels: web, matches: true },
    { name: 'one failing term fails the whole', selector: 'app=web,env=dev', labels: web, matches: false },
    { name: 'whitespace around tokens is ignored', selector: ' app = web , tier ', labels: web, matches: true },
    { name: 'in and notin are values inside parentheses', selector: 'x in (in,notin)', labels: { x: 'notin' }, matches: true },
    { name: 'an empty value matches an empty label', selector: 'x=', labels: { x: '' }, matches: true },
    { name: 'greater-than compares integers', selector: 'replicas>2', labels: { replicas: '10' }, matches: true },
    { name: 'less-than fails on a non-integer label', selector: 'replicas<2', labels: { replicas: 'one' }, matches: false },
  ])('$name: $selector', ({ selector, labels, matches }) => {
    expect(matchesLabels(parsed(selector), labels)).toBe(matches);
  });

  test.each([
    { name: 'a set needs parentheses', selector: 'a in x', error: "unable to parse requirement: found 'x' expected: '('" },
    { name: 'an unclosed set is reported at its end', selector: 'a in (x', error: "unable to parse requirement: found '', expected: ',' or ')'" },
    { name: 'a dangling comma wants another requirement', selector: 'a,', error: "found '', expected: identifier after ','" },
    { name: 'a lone negation wants a key', selector: '!', error: "unable to parse requirement: found '', expected: identifier" },
    { name: 'an unknown operator lists the binary ones', selector: 'a!', error: "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt" },
    { name: 'two words need a comma', selector: 'x=a b', error: "found 'b', expected: ',' or 'end of string'" },
    { name: 'a selector cannot start with an operator', selector: '=a', error: "found '=', expected: !, identifier, or 'end of string'" },
    {
      name: 'an invalid key is reported with the nil path Go prints',
      selector: 'Foo/bar/baz=x',
      error: "unable to parse requirement: <nil>: Invalid value: \"Foo/bar/baz\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    },
    {
      name: 'an invalid value is reported at its index and key',
      selector: 'app=-x',
      error: "unable to parse requirement: values[0][app]: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    },
    { name: 'greater-than needs an integer', selector: 'a>b', error: "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer" },
  ])('$name: $selector', ({ selector, error }) => {
    expect(parseLabelSelector(selector)).toEqual({ ok: false, error });
  });

  test('requirements are sorted by key and set values sorted and deduplicated', () => {
    expect(parsed('b in (z,y,z),a').requirements).toEqual([
      { key: 'a', operator: 'exists', values: [] },
      { key: 'b', operator: 'in', values: ['y', 'z'] },
    ]);
  });

  test.each([
    { name: 'an empty set means the empty value', selector: 'a notin ()', values: [''] },
    { name: 'empty entries in a set mean the empty value', selector: 'a in (,x,)', values: ['', 'x'] },
  ])('$name', ({ selector, values }) => expect(parsed(selector).requirements[0]?.values).toEqual(values));

  test.each([
    { selector: 'app=web,tier in (a,b),!legacy,env' , canonical: 'app=web,env,!legacy,tier in (a,b)' },
    { selector: 'x==1,y!=2', canonical: 'x==1,y!=2' },
  ])('$selector prints canonically as $canonical', ({ selector, canonical }) => {
    expect(formatLabelSelector(parsed(selector))).toBe(canonical);
  });
});

describe('structured label selectors', () => {
  test.each<{ name: string; selector: LabelSelector | undefined; labels: Record<string, string>; matches: boolean }>([
    { name: 'a missing selector selects nothing', selector: undefined, labels: web, matches: false },
    { name: 'an empty selector selects everything', selector: {}, labels: {}, matches: true },
    { name: 'matchLabels all have to match', selector: { matchLabels: { app: 'web', env: 'prod' } }, labels: web, matches: true },
    { name: 'matchLabels fail on one mismatch', selector: { matchLabels: { app: 'web', env: 'dev' } }, labels: web, matches: false },
    { name: 'In matches a listed value', selector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] }, labels: web, matches: true },
    { name: 'NotIn holds without the key', selector: { matchExpressions: [{ key: 'owner', operator: 'NotIn', values: ['x'] }] }, labels: web, matches: true },
    { name: 'Exists requires the key', selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels: web, matches: true },
    { name: 'DoesNotExist requires its absence', selector: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels: web, matches: false },
    { name: 'matchLabels and matchExpressions are ANDed', selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels: web, matches: false },
  ])('$name', ({ selector, labels, matches }) => {
    const r = labelSelectorFromObject(selector);
    expect(r.ok).toBe(true);
    if (r.ok) expect(matchesLabels(r.selector, labels)).toBe(matches);
  });

  test.each([
    { name: 'In without values is refused', selector: { matchExpressions: [{ key: 'a', operator: 'In' as const, values: [] }] }, error: "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty" },
    { name: 'Exists with values is refused', selector: { matchExpressions: [{ key: 'a', operator: 'Exists' as const, values: ['x'] }] }, error: 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist' },
    { name: 'an unknown operator is refused', selector: { matchExpressions: [{ key: 'a', operator: 'Gt' as unknown as 'In', values: ['1'] }] }, error: '"Gt" is not a valid label selector operator' },
  ])('$name', ({ selector, error }) => {
    expect(labelSelectorFromObject(selector)).toEqual({ ok: false, error });
  });

  test('several errors are aggregated in brackets', () => {
    const r = labelSelectorFromObject({ matchLabels: { 'a b': 'c d' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^\[key: Invalid value: "a b": .*, values\[0\]\[a b\]: Invalid value: "c d": .*\]$/);
  });

  test('a set selector matches exactly its labels', () => {
    const sel = labelSelectorFromSet({ app: 'web' });
    expect(matchesLabels(sel, web)).toBe(true);
    expect(matchesLabels(sel, { app: 'db' })).toBe(false);
    expect(formatLabelSelector(sel)).toBe('app=web');
  });

  test('everything and nothing are told apart', () => {
    expect(isEverything(EVERYTHING)).toBe(true);
    expect(isEverything(NOTHING)).toBe(false);
    expect(matchesLabels(NOTHING, {})).toBe(false);
  });
});

describe('field selectors', () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default' },
    spec: { nodeName: 'node-a', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default', containers: [] },
    status: { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] },
  };

  test.each([
    { name: 'the empty selector matches', selector: '', matches: true },
    { name: 'name equality matches', selector: 'metadata.name=web-1', matches: true },
    { name: 'double equals is equality', selector: 'metadata.namespace==default', matches: true },
    { name: 'node name inequality fails on that node', selector: 'spec.nodeName!=node-a', matches: false },
    { name: 'phase and restart policy combine', selector: 'status.phase=Running,spec.restartPolicy=Always', matches: true },
    { name: 'an empty value matches an unset field', selector: 'status.nominatedNodeName=', matches: true },
    { name: 'the pod IP is the first of podIPs', selector: 'status.podIP=10.244.1.5', matches: true },
    { name: 'hostNetwork defaults to false', selector: 'spec.hostNetwork=false', matches: true },
    { name: 'spec.host is the old spelling of spec.nodeName', selector: 'spec.host=node-a', matches: true },
  ])('$name: $selector', ({ selector, matches }) => {
    const r = parseFieldSelector(selector, 'pods');
    if (!r.ok) throw new Error(r.error);
    const f = objectFields('pods', pod);
    if (!f.ok) throw new Error(f.error);
    expect(matchesFields(r.selector, f.fields)).toBe(matches);
  });

  test.each([
    { name: 'a term without an operator', selector: 'a', error: "invalid selector: 'a'; can't understand 'a'" },
    { name: 'an unescaped equals sign in a value', selector: 'a=b=c', error: 'invalid field selector: unescaped character in value: 61' },
    { name: 'an unknown escape', selector: 'a=\\x', error: 'invalid field selector: invalid escape sequence: \\x' },
    { name: 'a trailing backslash', selector: 'a=b\\', error: 'invalid field selector: invalid escape sequence: \\' },
  ])('$name is a parse error', ({ selector, error }) => {
    expect(parseFieldSelector(selector)).toEqual({ ok: false, error });
  });

  test('escaped commas and equals signs are part of the value', () => {
    const r = parseFieldSelector('metadata.name=a\\,b\\=c');
    expect(r).toEqual({ ok: true, selector: { requirements: [{ field: 'metadata.name', operator: '=', value: 'a,b=c' }] } });
    if (r.ok) expect(formatFieldSelector(r.selector)).toBe('metadata.name=a\\,b\\=c');
  });

  test.each([
    { name: 'pods refuse unknown fields in the core wording', resource: 'pods', selector: 'spec.foo=x', error: 'field label not supported: spec.foo' },
    { name: 'nodes have no namespace field', resource: 'nodes', selector: 'metadata.namespace=x', error: 'field label not supported: metadata.namespace' },
    { name: 'jobs use the batch wording', resource: 'jobs', selector: 'status.active=1', error: 'field label "status.active" not supported for batchv1.Job' },
    { name: 'kinds without a conversion use the default wording', resource: 'configmaps', selector: 'data.x=1', error: '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"' },
  ])('$name', ({ resource, selector, error }) => {
    expect(parseFieldSelector(selector, resource)).toEqual({ ok: false, error });
  });

  test.each([
    { resource: 'pods', selector: 'spec.nodeName=a,status.phase=Pending,spec.schedulerName=x,spec.serviceAccountName=y,status.nominatedNodeName=z' },
    { resource: 'events', selector: 'involvedObject.kind=Pod,involvedObject.name=p,involvedObject.namespace=d,involvedObject.uid=u,reason=Scheduled,type=Normal,source=kubelet,reportingComponent=kubelet' },
    { resource: 'events', selector: 'involvedObject.apiVersion=v1,involvedObject.resourceVersion=1,involvedObject.fieldPath=spec' },
    { resource: 'nodes', selector: 'metadata.name=n,spec.unschedulable=true' },
    { resource: 'secrets', selector: 'type=Opaque' },
    { resource: 'namespaces', selector: 'status.phase=Active' },
    { resource: 'replicasets', selector: 'status.replicas=1' },
    { resource: 'jobs', selector: 'status.successful=1' },
    { resource: 'services', selector: 'spec.type=ClusterIP' },
    { resource: 'deployments', selector: 'metadata.name=d,metadata.namespace=n' },
  ])('$resource accept $selector', ({ resource, selector }) => {
    const r = parseFieldSelector(selector);
    expect(r.ok).toBe(true);
    if (r.ok) expect(validateFieldSelector(resource, r.selector)).toBeUndefined();
  });

  test.each([
    {
      name: 'events expose their involved object and source',
      resource: 'events',
      obj: { metadata: { name: 'e', namespace: 'd' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'd', uid: 'u1' }, reason: 'Scheduled', type: 'Normal', source: { component: 'default-scheduler' } },
      expected: { 'metadata.name': 'e', 'metadata.namespace': 'd', 'involvedObject.kind': 'Pod', 'involvedObject.name': 'p', 'involvedObject.namespace': 'd', 'involvedObject.uid': 'u1', 'involvedObject.apiVersion': '', 'involvedObject.resourceVersion': '', 'involvedObject.fieldPath': '', reason: 'Scheduled', reportingComponent: '', source: 'default-scheduler', type: 'Normal' },
    },
    { name: 'nodes expose unschedulable as a boolean string', resource: 'nodes', obj: { metadata: { name: 'n' }, spec: {} }, expected: { 'metadata.name': 'n', 'spec.unschedulable': 'false' } },
    { name: 'secrets expose their type', resource: 'secrets', obj: { metadata: { name: 's', namespace: 'd' }, type: 'Opaque' }, expected: { 'metadata.name': 's', 'metadata.namespace': 'd', type: 'Opaque' } },
    { name: 'namespaces expose their phase', resource: 'namespaces', obj: { metadata: { name: 'd' }, status: { phase: 'Active' } }, expected: { 'metadata.name': 'd', 'status.phase': 'Active' } },
    { name: 'replica sets expose their replica count, zero when unset', resource: 'replicasets', obj: { metadata: { name: 'r', namespace: 'd' } }, expected: { 'metadata.name': 'r', 'metadata.namespace': 'd', 'status.replicas': '0' } },
    { name: 'jobs expose their succeeded count as status.successful', resource: 'jobs', obj: { metadata: { name: 'j', namespace: 'd' }, status: { succeeded: 3 } }, expected: { 'metadata.name': 'j', 'metadata.namespace': 'd', 'status.successful': '3' } },
    { name: 'other kinds expose only their metadata', resource: 'configmaps', obj: { metadata: { name: 'c', namespace: 'd' } }, expected: { 'metadata.name': 'c', 'metadata.namespace': 'd' } },
  ])('$name', ({ resource, obj, expected }) => {
    expect(objectFields(resource, obj)).toEqual({ ok: true, fields: expected });
  });

  test('an object that is not a JSON object has no fields', () => {
    expect(objectFields('pods', 'nope').ok).toBe(false);
  });
});
