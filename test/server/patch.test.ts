import { describe, expect, test } from 'vitest';
import { PATCHERS, applyPatcher, fieldsV1, jsonPatcher, parsePointer, strategicPatcher } from '../../src/server/patch.ts';

const doc = { metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 1, list: ['a', 'b'] } };

describe('JSON patch (RFC 6902)', () => {
  test.each([
    { name: 'add sets a new member', ops: [{ op: 'add', path: '/metadata/labels/tier', value: 'fe' }], out: { ...doc, metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } } } },
    { name: 'add inserts into an array at an index', ops: [{ op: 'add', path: '/spec/list/1', value: 'x' }], out: { ...doc, spec: { replicas: 1, list: ['a', 'x', 'b'] } } },
    { name: 'add with a dash appends to an array', ops: [{ op: 'add', path: '/spec/list/-', value: 'c' }], out: { ...doc, spec: { replicas: 1, list: ['a', 'b', 'c'] } } },
    { name: 'remove deletes a member', ops: [{ op: 'remove', path: '/metadata/labels/app' }], out: { ...doc, metadata: { name: 'web', labels: {} } } },
    { name: 'remove deletes an array element', ops: [{ op: 'remove', path: '/spec/list/0' }], out: { ...doc, spec: { replicas: 1, list: ['b'] } } },
    { name: 'replace changes a value', ops: [{ op: 'replace', path: '/spec/replicas', value: 3 }], out: { ...doc, spec: { replicas: 3, list: ['a', 'b'] } } },
    { name: 'move takes a value from one place to another', ops: [{ op: 'move', from: '/spec/replicas', path: '/spec/count' }], out: { ...doc, spec: { list: ['a', 'b'], count: 1 } } },
    { name: 'copy duplicates a value', ops: [{ op: 'copy', from: '/metadata/name', path: '/metadata/labels/name' }], out: { ...doc, metadata: { name: 'web', labels: { app: 'web', name: 'web' } } } },
    { name: 'a passing test changes nothing', ops: [{ op: 'test', path: '/spec/list', value: ['a', 'b'] }], out: doc },
    { name: 'escaped pointer tokens name keys with slashes and tildes', ops: [{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'x' }, { op: 'add', path: '/metadata/labels/a~0b', value: 'y' }], out: { ...doc, metadata: { name: 'web', labels: { app: 'web', 'app.kubernetes.io/name': 'x', 'a~b': 'y' } } } },
    { name: 'the empty pointer replaces the whole document', ops: [{ op: 'replace', path: '', value: { a: 1 } }], out: { a: 1 } },
  ])('$name', ({ ops, out }) => {
    const before = JSON.stringify(doc);
    expect(jsonPatcher(doc, ops, 'Deployment')).toEqual({ ok: true, value: out });
    expect(JSON.stringify(doc)).toBe(before);
  });

  test.each([
    { name: 'a failing test rejects the patch', ops: [{ op: 'test', path: '/spec/replicas', value: 2 }], error: 'testing value /spec/replicas failed: test failed' },
    { name: 'replacing a missing member is an error', ops: [{ op: 'replace', path: '/spec/missing', value: 1 }], error: 'replace operation does not apply: doc is missing key: "/spec/missing"' },
    { name: 'removing a missing member is an error', ops: [{ op: 'remove', path: '/nope/x' }], error: 'remove operation does not apply: doc is missing path: "/nope/x"' },
    { name: 'adding below a missing parent is an error', ops: [{ op: 'add', path: '/a/b', value: 1 }], error: 'add operation does not apply: doc is missing path: "/a/b"' },
    { name: 'an array index past the end is an error', ops: [{ op: 'add', path: '/spec/list/5', value: 1 }], error: 'add operation does not apply: index 5 out of bounds for array of length 2 in "/spec/list/5"' },
    { name: 'an unknown operation is an error', ops: [{ op: 'frob', path: '/a' }], error: 'Unexpected kind: frob' },
    { name: 'a body that is not a list is an error', ops: { op: 'add' }, error: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' },
    { name: 'add without a value is an error', ops: [{ op: 'add', path: '/a' }], error: 'add operation does not apply: missing "value"' },
    { name: 'moving a value into its own child is an error', ops: [{ op: 'move', from: '/spec', path: '/spec/x' }], error: 'cannot move "/spec" into its own child "/spec/x"' },
  ])('$name', ({ ops, error }) => expect(jsonPatcher(doc, ops, 'Deployment')).toEqual({ ok: false, error }));

  test('operations apply in order, so a later one sees an earlier one', () => {
    const r = jsonPatcher({ a: [] }, [{ op: 'add', path: '/a/-', value: 1 }, { op: 'test', path: '/a/0', value: 1 }, { op: 'replace', path: '/a/0', value: 2 }], '');
    expect(r).toEqual({ ok: true, value: { a: [2] } });
  });

  test('a pointer must start with a slash', () => expect(() => parsePointer('a/b')).toThrow('must start with "/"'));
});

const pod = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a'], annotations: { keep: 'yes' } },
  spec: {
    containers: [
      { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], volumeMounts: [{ mountPath: '/data', name: 'data' }] },
      { name: 'side', image: 'busybox' },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    tolerations: [{ key: 'x', operator: 'Exists' }],
  },
};

type AnyObj = Record<string, any>;
const smp = (patch: unknown, current: unknown = pod, kind = 'Pod') => strategicPatcher(current, patch, kind) as { ok: true; value: AnyObj };

describe('strategic merge patch', () => {
  test.each([
    { name: 'containers merge by name, leaving the others alone',
      patch: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.28' }] } },
      check: (v: AnyObj) => expect(v.spec.containers.map((c: AnyObj) => [c.name, c.image])).toEqual([['nginx', 'nginx:1.28'], ['side', 'busybox']]) },
    { name: 'a container with a new name is appended',
      patch: { spec: { containers: [{ name: 'logger', image: 'fluentd' }] } },
      check: (v: AnyObj) => expect(v.spec.containers.map((c: AnyObj) => c.name)).toEqual(['nginx', 'side', 'logger']) },
    { name: 'env merges by name inside a merged container',
      patch: { spec: { containers: [{ name: 'nginx', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } },
      check: (v: AnyObj) => expect(v.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }]) },
    { name: 'container ports merge by containerPort',
      patch: { spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }] } },
      check: (v: AnyObj) => expect(v.spec.containers[0].ports).toEqual([{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }]) },
    { name: 'volume mounts merge by mountPath',
      patch: { spec: { containers: [{ name: 'nginx', volumeMounts: [{ mountPath: '/data', readOnly: true }] }] } },
      check: (v: AnyObj) => expect(v.spec.containers[0].volumeMounts).toEqual([{ mountPath: '/data', name: 'data', readOnly: true }]) },
    { name: 'tolerations have no merge key, so the list is replaced',
      patch: { spec: { tolerations: [{ key: 'y', operator: 'Exists' }] } },
      check: (v: AnyObj) => expect(v.spec.tolerations).toEqual([{ key: 'y', operator: 'Exists' }]) },
    { name: 'null deletes a field',
      patch: { metadata: { labels: { app: null } } },
      check: (v: AnyObj) => expect(v.metadata.labels).toEqual({}) },
    { name: '$patch: delete in a list item removes the item',
      patch: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } },
      check: (v: AnyObj) => expect(v.spec.containers.map((c: AnyObj) => c.name)).toEqual(['nginx']) },
    { name: '$patch: replace in a list replaces the whole list',
      patch: { spec: { volumes: [{ $patch: 'replace' }, { name: 'cache', emptyDir: {} }] } },
      check: (v: AnyObj) => expect(v.spec.volumes).toEqual([{ name: 'cache', emptyDir: {} }]) },
    { name: '$patch: replace in a map replaces the map',
      patch: { metadata: { labels: { $patch: 'replace', tier: 'fe' } } },
      check: (v: AnyObj) => expect(v.metadata.labels).toEqual({ tier: 'fe' }) },
    { name: '$patch: delete in a map removes the map',
      patch: { metadata: { annotations: { $patch: 'delete' } } },
      check: (v: AnyObj) => expect(v.metadata.annotations).toBeUndefined() },
    { name: '$retainKeys drops the keys it does not list',
      patch: { spec: { volumes: [{ name: 'data', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/tmp' } }] } },
      check: (v: AnyObj) => expect(v.spec.volumes).toEqual([{ name: 'data', hostPath: { path: '/tmp' } }]) },
    { name: '$setElementOrder orders the merged list and is not stored',
      patch: { spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'nginx' }], containers: [{ name: 'nginx', image: 'nginx:1.28' }] } },
      check: (v: AnyObj) => {
        expect(v.spec.containers.map((c: AnyObj) => c.name)).toEqual(['side', 'nginx']);
        expect(Object.keys(v.spec).some((k) => k.startsWith('$'))).toBe(false);
      } },
    { name: 'finalizers merge as a set',
      patch: { metadata: { finalizers: ['b', 'a'] } },
      check: (v: AnyObj) => expect(v.metadata.finalizers).toEqual(['a', 'b']) },
    { name: '$deleteFromPrimitiveList removes primitive values',
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
      check: (v: AnyObj) => expect(v.metadata.finalizers).toEqual([]) },
    { name: 'what kubectl apply sends for an image change keeps the last-applied annotation',
      patch: { metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }, spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'side' }], containers: [{ image: 'nginx:1.28', name: 'nginx' }] } },
      check: (v: AnyObj) => {
        expect(v.metadata.annotations).toEqual({ keep: 'yes', 'kubectl.kubernetes.io/last-applied-configuration': '{}' });
        expect(v.spec.containers[0]).toMatchObject({ name: 'nginx', image: 'nginx:1.28', env: pod.spec.containers[0]!.env });
      } },
  ])('$name', ({ patch, check }) => {
    const before = JSON.stringify(pod);
    const r = smp(patch);
    expect(r.ok).toBe(true);
    check(r.value);
    expect(JSON.stringify(pod)).toBe(before);
  });

  test('service ports merge by port', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
    const r = smp({ spec: { ports: [{ port: 80, targetPort: 9090 }] } }, svc, 'Service');
    expect(r.value.spec.ports).toEqual([{ port: 80, targetPort: 9090 }, { port: 443 }]);
  });

  test('endpoint slice ports are atomic and replaced', () => {
    const es = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e' }, ports: [{ port: 80 }] };
    expect(smp({ ports: [{ port: 81 }] }, es, 'EndpointSlice').value.ports).toEqual([{ port: 81 }]);
  });

  test.each([
    { name: 'a list item without its merge key is an error', patch: { spec: { containers: [{ image: 'x' }] } }, error: 'map: {"image":"x"} does not contain declared merge key: name' },
    { name: 'a body that is not an object is an error', patch: [1], error: 'json: cannot unmarshal into Go value of type map[string]interface {}' },
    { name: 'an unknown $patch directive is an error', patch: { metadata: { $patch: 'frob' } }, error: 'Unknown patch type: frob' },
  ])('$name', ({ patch, error }) => expect(strategicPatcher(pod, patch, 'Pod')).toEqual({ ok: false, error }));
});

describe('server-side apply', () => {
  const current = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', uid: 'u1', resourceVersion: '5' }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', env: [{ name: 'A', value: '1' }] }] } } } };

  test.each([
    { name: 'a JSON body merges into the current object with strategic rules',
      body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.28' }] } } } } },
    { name: 'a YAML body is parsed first',
      body: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.28\n' },
  ])('$name', ({ body }) => {
    const r = applyPatcher(current, body, 'Deployment') as { ok: true; value: AnyObj };
    expect(r.ok).toBe(true);
    expect(r.value.metadata).toEqual({ name: 'web', uid: 'u1', resourceVersion: '5' });
    expect(r.value.spec.replicas).toBe(3);
    expect(r.value.spec.template.spec.containers).toEqual([{ name: 'nginx', image: 'nginx:1.28', env: [{ name: 'A', value: '1' }] }]);
  });

  test('applying to nothing (a create) yields the desired object', () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };
    expect(applyPatcher({}, body, '')).toEqual({ ok: true, value: body });
  });

  test.each([
    { name: 'a body without a kind is refused', body: { apiVersion: 'v1', metadata: { name: 'x' } }, error: 'kind must be set' },
    { name: 'a body without an apiVersion is refused', body: { kind: 'Deployment' }, error: 'apiVersion must be set' },
    { name: 'a body of another kind is refused', body: { apiVersion: 'v1', kind: 'Pod' }, error: 'the kind in the applied configuration (Pod) does not match the object (Deployment)' },
    { name: 'a body that is not YAML is refused', body: 'a: [', error: expect.stringMatching(/^error decoding YAML/) },
  ])('$name', ({ body, error }) => expect(applyPatcher(current, body, 'Deployment')).toEqual({ ok: false, error }));

  test('fieldsV1 names fields with f: and keyed list items with k:', () => {
    expect(fieldsV1({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }], tolerations: [{ key: 'x' }] } })).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:name': {}, 'f:image': {} } }, 'f:tolerations': {} },
    });
  });

  const ctx = { manager: 'kubectl', force: false, apiVersion: 'apps/v1', time: '2026-01-01T00:01:00Z', statusSubresource: true };

  test('with the API server\'s context it records the Apply manager and refuses conflicts', () => {
    const body = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } };
    // An existing object nobody manages yet: "before-first-apply" owns what it holds.
    expect(applyPatcher(current, body, 'Deployment', ctx)).toMatchObject({ ok: false, error: 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas' });
    const r = applyPatcher({}, body, '', ctx) as { ok: true; value: AnyObj };
    expect(r.ok).toBe(true);
    expect(r.value.spec.replicas).toBe(3);
    expect(r.value.metadata.managedFields).toEqual([{ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: '2026-01-01T00:01:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }]);
    const other = applyPatcher(r.value, { ...body, spec: { replicas: 4 } }, 'Deployment', { ...ctx, manager: 'other' });
    expect(other).toMatchObject({ ok: false, error: 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas', status: { code: 409, reason: 'Conflict' } });
    expect(applyPatcher(current, { ...body, apiVersion: 'apps/v1beta1' }, 'Deployment', ctx)).toEqual({ ok: false, error: 'Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1' });
  });

  test('PATCHERS offers every patch type', () => {
    expect(Object.keys(PATCHERS).sort()).toEqual(['apply', 'json', 'merge', 'strategic']);
    expect(PATCHERS.merge({ a: 1 }, { b: 2 }, '')).toEqual({ ok: true, value: { a: 1, b: 2 } });
  });
});
