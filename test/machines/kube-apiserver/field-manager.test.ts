/**
 * Field management: managedFields on every write, and server-side apply's ownership, conflicts,
 * force, shared ownership and removal of fields no longer applied. The pure functions first, then
 * the API server with the HTTP layer's patchers installed, as `kubelife up` runs it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MvccStore } from '../../../machines/etcd/mvcc.ts';
import { ApiServerCore } from '../../../machines/kube-apiserver/core.ts';
import { TokenAuthenticator } from '../../../machines/kube-apiserver/authn.ts';
import { bootstrapObjects } from '../../../machines/kube-apiserver/bootstrap.ts';
import { FieldSet, applyConfig, compare, conflictStatus, decodeManagedFields, defaultFieldManager, fieldSetOf, listTypeOf, mergeObject, pathString, updateManagedFields, type ManagedFieldsEntry } from '../../../machines/kube-apiserver/field-manager.ts';
import type { ApiRequest } from '../../../machines/client/protocol.ts';
import type { KObject } from '../../../src/api/objects.ts';
import { resourceForKind } from '../../../src/api/registry.ts';
import { Rng } from '../../../src/sim/rng.ts';
import { timestamp } from '../../../src/sim/clock.ts';
import { PATCHERS } from '../../../src/server/patch.ts';

type AnyObj = Record<string, any>;

describe('field sets', () => {
  it('round-trip FieldsV1, with "." for a member that has children', () => {
    const v1 = { 'f:data': { 'f:a': {} }, 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } };
    const s = FieldSet.fromFieldsV1(v1);
    expect(s.has(['f:data', 'f:a'])).toBe(true);
    expect(s.has(['f:data'])).toBe(false);
    expect(s.has(['f:spec', 'f:containers', 'k:{"name":"c"}'])).toBe(true);
    expect(s.toFieldsV1()).toEqual(v1);
  });

  it('union, difference, intersection and recursive difference work on members', () => {
    const a = FieldSet.of(['f:a'], ['f:b', 'f:c'], ['f:status', 'f:x']);
    const b = FieldSet.of(['f:a'], ['f:b', 'f:d']);
    expect(a.union(b).paths()).toEqual([['f:a'], ['f:b', 'f:c'], ['f:b', 'f:d'], ['f:status', 'f:x']]);
    expect(a.difference(b).paths()).toEqual([['f:b', 'f:c'], ['f:status', 'f:x']]);
    expect(a.intersection(b).paths()).toEqual([['f:a']]);
    expect(a.recursiveDifference(FieldSet.of(['f:status'])).paths()).toEqual([['f:a'], ['f:b', 'f:c']]);
    expect(a.intersectsFieldsV1({ 'f:b': { 'f:c': {} } })).toBe(true);
    expect(a.intersectsFieldsV1({ 'f:b': { 'f:d': {} } })).toBe(false);
  });

  it('paths print as upstream prints them in conflicts', () => {
    expect(pathString(['f:data', 'f:color'])).toBe('.data.color');
    expect(pathString(['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'])).toBe('.spec.containers[name="web"].image');
    expect(pathString(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}'])).toBe('.spec.ports[port=80,protocol="TCP"]');
    expect(pathString(['f:metadata', 'f:finalizers', 'v:"a"'])).toBe('.metadata.finalizers[="a"]');
  });

  it('an applied configuration owns leaves, list items by their keys (defaults included), set members and atomic fields', () => {
    const config = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['x'] },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], args: ['a'] }], tolerations: [{ key: 'x' }], volumes: [{ name: 'v', emptyDir: {} }] } },
      },
    };
    expect(fieldSetOf(config).difference(FieldSet.of(['f:apiVersion'], ['f:kind'], ['f:metadata', 'f:name'])).toFieldsV1()).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} }, 'f:finalizers': { 'v:"x"': {} } },
      'f:spec': {
        'f:selector': {},
        'f:template': { 'f:spec': {
          'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:name': {}, 'f:image': {}, 'f:args': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } },
          'f:tolerations': {},
          'f:volumes': { 'k:{"name":"v"}': { '.': {}, 'f:name': {}, 'f:emptyDir': {} } },
        } },
      },
    });
  });

  it('list types follow the API markers', () => {
    expect(listTypeOf('containers', ['spec'])).toEqual({ type: 'map', keys: ['name'] });
    expect(listTypeOf('ports', ['spec', 'template', 'spec', 'containers'])).toMatchObject({ keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } });
    expect(listTypeOf('ports', ['spec'])).toMatchObject({ keys: ['port', 'protocol'] });
    expect(listTypeOf('ports', [])).toEqual({ type: 'atomic' });
    expect(listTypeOf('finalizers', ['metadata'])).toEqual({ type: 'set' });
    expect(listTypeOf('tolerations', ['spec'])).toEqual({ type: 'atomic' });
  });

  it('a comparison reports added (inner nodes where owned), modified leaves and removed paths', () => {
    const c = compare({ data: { a: '1', b: '2' } }, { data: { a: '9', c: '3' }, metadata: { labels: { x: 'y' } } });
    expect(c.modified.paths()).toEqual([['f:data', 'f:a']]);
    expect(c.removed.paths()).toEqual([['f:data', 'f:b']]);
    // metadata is always there upstream (not owned by whoever adds it); labels is a map (owned).
    expect(c.added.toFieldsV1()).toEqual({ 'f:data': { 'f:c': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } } });
  });

  it('merging applies associative lists item by item and replaces atomic fields', () => {
    const live: AnyObj = { spec: { containers: [{ name: 'a', image: '1', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: '2' }], tolerations: [{ key: 'x' }], selector: { matchLabels: { a: 'b', c: 'd' } } } };
    const out = mergeObject(live as never, { spec: { containers: [{ name: 'c', image: '3' }, { name: 'a', image: '9' }], tolerations: [{ key: 'y' }], selector: { matchLabels: { a: 'b' } } } }) as AnyObj;
    // structured-merge-diff's order: the config's items where it puts them, live-only items after the shared one they followed.
    expect(out.spec.containers).toEqual([{ name: 'c', image: '3' }, { name: 'a', image: '9', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: '2' }]);
    expect(out.spec.tolerations).toEqual([{ key: 'y' }]);
    expect(out.spec.selector).toEqual({ matchLabels: { a: 'b' } });
    expect(live.spec.containers[0]!.image).toBe('1');
  });

  it('conflict Status: one conflict, and several grouped by sorted manager', () => {
    const apply = JSON.stringify({ manager: 'kubectl', operation: 'Apply' });
    const update = JSON.stringify({ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1' });
    const scale = JSON.stringify({ manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', subresource: 'scale' });
    expect(conflictStatus([{ key: apply, path: ['f:data', 'f:color'] }])).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 409, reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "kubectl": .data.color',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.data.color' }] },
    });
    const many = conflictStatus([{ key: apply, path: ['f:spec', 'f:replicas'] }, { key: update, path: ['f:spec', 'f:paused'] }, { key: apply, path: ['f:spec', 'f:x'] }]);
    expect(many.message).toBe('Apply failed with 3 conflicts: conflicts with "kube-controller-manager" using apps/v1:\n- .spec.paused\nconflicts with "kubectl":\n- .spec.replicas\n- .spec.x');
    expect(conflictStatus([{ key: scale, path: ['f:spec', 'f:replicas'] }]).message).toBe('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
  });

  it('default managers are what upstream derives from each component\'s User-Agent', () => {
    expect(defaultFieldManager('system:node:worker-1')).toBe('kubelet');
    expect(defaultFieldManager('system:kube-scheduler')).toBe('kube-scheduler');
    expect(defaultFieldManager('system:kube-controller-manager')).toBe('kube-controller-manager');
    expect(defaultFieldManager('kubernetes-admin')).toBe('kubectl');
  });

  it('at most ten Update managers: the oldest merge into ancient-changes', () => {
    let obj: AnyObj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} };
    for (let i = 0; i < 12; i++) {
      const next: AnyObj = { ...obj, data: { ...obj['data'], [`k${i}`]: 'v' } };
      next['metadata'] = { ...obj['metadata'], managedFields: updateManagedFields(obj, next, { manager: `m${i}`, apiVersion: 'v1', time: timestamp(i * 1000) }) };
      obj = next;
    }
    const entries = obj['metadata'].managedFields as ManagedFieldsEntry[];
    expect(entries.length).toBe(10);
    expect(entries[0]).toMatchObject({ manager: 'ancient-changes', operation: 'Update', fieldsV1: { 'f:data': { 'f:k0': {}, 'f:k1': {}, 'f:k2': {} } } });
    expect(entries.slice(1).map((e) => e.manager)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11']);
  });
});

// ---------------------------------------------------------------------------------------------

const ADMIN = 'admin-token';
const KCM = 'kcm-token';
const KUBELET = 'kubelet-token';

function server() {
  let now = 0;
  const store = new MvccStore<KObject>();
  const core = new ApiServerCore({
    store, now: () => now, timestamp, rand: new Rng(1, 'apiserver'),
    authenticator: new TokenAuthenticator([
      { token: ADMIN, username: 'kubernetes-admin', groups: ['system:masters'] },
      { token: KCM, username: 'system:kube-controller-manager', groups: ['system:masters'] },
      { token: KUBELET, username: 'system:node:worker-1', groups: ['system:masters'] },
    ]),
  });
  for (const k of ['json', 'strategic', 'apply'] as const) core.installPatcher(k, PATCHERS[k]);
  for (const o of bootstrapObjects()) {
    const info = resourceForKind(o.apiVersion, o.kind)!;
    core.handle({ verb: 'create', group: info.group, version: info.version, resource: info.resource, ...(info.namespaced ? { namespace: o.metadata.namespace ?? 'default' } : {}), body: o, token: ADMIN });
  }
  return { core, store, tick: (ms: number) => (now += ms) };
}

const CM = { group: '', version: 'v1', resource: 'configmaps', namespace: 'default' } as const;
const DEPLOY = { group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default' } as const;

const cm = (data: Record<string, string>, extra: AnyObj = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', ...extra }, data });

function apply(core: ApiServerCore, body: unknown, manager: string | undefined, opts: { force?: boolean; target?: typeof CM | typeof DEPLOY; name?: string; subresource?: string } = {}) {
  const req: ApiRequest = { verb: 'patch', patchType: 'apply', ...(opts.target ?? CM), name: opts.name ?? 'settings', body, token: ADMIN, query: { ...(manager !== undefined ? { fieldManager: manager } : {}), ...(opts.force !== undefined ? { force: opts.force } : {}) }, ...(opts.subresource ? { subresource: opts.subresource } : {}) };
  return core.handle(req);
}

const managed = (body: unknown) => ((body as KObject).metadata['managedFields'] ?? []) as ManagedFieldsEntry[];
const owners = (body: unknown) => Object.fromEntries(managed(body).map((e) => [`${e.manager}/${e.operation}${e.subresource ? '/' + e.subresource : ''}`, e.fieldsV1]));

describe('server-side apply', () => {
  it('records the applier as the Apply manager of exactly its fields', () => {
    const { core } = server();
    const r = apply(core, cm({ color: 'blue', size: 'L' }, { labels: { app: 'x' } }), 'kubectl');
    expect(r.code).toBe(201);
    expect(managed(r.body)).toEqual([{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:color': {}, 'f:size': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } } }]);
  });

  it('refuses another manager changing an owned field with the upstream 409, and writes nothing', () => {
    const { core, store } = server();
    apply(core, cm({ color: 'blue' }), 'kubectl');
    const rev = store.revision();
    const r = apply(core, cm({ color: 'red' }), 'other');
    expect(r.code).toBe(409);
    expect(r.body).toMatchObject({
      reason: 'Conflict', code: 409, message: 'Apply failed with 1 conflict: conflict with "kubectl": .data.color',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.data.color' }] },
    });
    expect(store.revision()).toBe(rev);
  });

  it('reports several conflicts with several managers, Update managers with their version', () => {
    const { core } = server();
    apply(core, cm({ a: '1', b: '2' }), 'kubectl');
    core.handle({ verb: 'patch', patchType: 'merge', ...CM, name: 'settings', body: { data: { c: '3' } }, token: ADMIN, query: { fieldManager: 'kubectl-edit' } });
    const r = apply(core, cm({ a: 'x', b: 'y', c: 'z' }), 'other');
    expect(r.code).toBe(409);
    expect((r.body as AnyObj).message).toBe('Apply failed with 3 conflicts: conflicts with "kubectl":\n- .data.a\n- .data.b\nconflicts with "kubectl-edit" using v1:\n- .data.c');
    expect((r.body as AnyObj).details.causes).toHaveLength(3);
  });

  it('force=true takes the field over', () => {
    const { core, tick } = server();
    apply(core, cm({ color: 'blue', size: 'L' }), 'kubectl');
    tick(5000);
    const r = apply(core, cm({ color: 'red' }), 'other', { force: true });
    expect(r.code).toBe(200);
    expect((r.body as AnyObj).data).toEqual({ color: 'red', size: 'L' });
    expect(owners(r.body)).toEqual({ 'kubectl/Apply': { 'f:data': { 'f:size': {} } }, 'other/Apply': { 'f:data': { 'f:color': {} } } });
    expect(managed(r.body).map((e) => e.time)).toEqual(['2026-01-01T00:00:00Z', '2026-01-01T00:00:05Z']);
  });

  it('setting the value a field already has is shared ownership, not a conflict', () => {
    const { core } = server();
    apply(core, cm({ color: 'blue' }), 'kubectl');
    const r = apply(core, cm({ color: 'blue', other: 'x' }), 'other');
    expect(r.code).toBe(200);
    expect(owners(r.body)).toEqual({ 'kubectl/Apply': { 'f:data': { 'f:color': {} } }, 'other/Apply': { 'f:data': { 'f:color': {}, 'f:other': {} } } });
    // Shared: one co-owner dropping it leaves it in place.
    const r2 = apply(core, cm({ other: 'x' }), 'other');
    expect((r2.body as AnyObj).data).toEqual({ color: 'blue', other: 'x' });
  });

  it('removes fields the applier no longer applies, unless someone else owns them', () => {
    const { core } = server();
    apply(core, cm({ a: '1', b: '2', c: '3' }), 'kubectl');
    apply(core, cm({ c: '3' }), 'other');
    const r = apply(core, cm({ a: '1' }), 'kubectl');
    expect((r.body as AnyObj).data).toEqual({ a: '1', c: '3' });
    const gone = apply(core, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', labels: { keep: 'me' } } }, 'kubectl');
    expect((gone.body as AnyObj).data).toEqual({ c: '3' });
    expect(owners(gone.body)['kubectl/Apply']).toEqual({ 'f:metadata': { 'f:labels': { 'f:keep': {} } } });
  });

  it('removes dropped list items by key, and an emptied field with them', () => {
    const { core } = server();
    const deploy = (env: Array<{ name: string; value: string }>) => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ...(env.length ? { env } : {}) }] } } },
    });
    expect(apply(core, deploy([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]), 'kubectl', { target: DEPLOY, name: 'web' }).code).toBe(201);
    const one = apply(core, deploy([{ name: 'A', value: '1' }]), 'kubectl', { target: DEPLOY, name: 'web' });
    expect((one.body as AnyObj).spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }]);
    const none = apply(core, deploy([]), 'kubectl', { target: DEPLOY, name: 'web' });
    expect((none.body as AnyObj).spec.template.spec.containers[0].env).toBeUndefined();
    // Defaults set by the API server stay: nobody applied them.
    expect((none.body as AnyObj).spec.template.spec.containers[0].imagePullPolicy).toBe('Always');
  });

  it('an Update takes the fields it changes from the appliers, without conflict', () => {
    const { core } = server();
    apply(core, cm({ color: 'blue', size: 'L' }), 'kubectl');
    const r = core.handle({ verb: 'patch', patchType: 'merge', ...CM, name: 'settings', body: { data: { color: 'red' } }, token: ADMIN, query: { fieldManager: 'kubectl-edit' } });
    expect(r.code).toBe(200);
    expect(owners(r.body)).toEqual({ 'kubectl/Apply': { 'f:data': { 'f:size': {} } }, 'kubectl-edit/Update': { 'f:data': { 'f:color': {} } } });
    // The applier changing it back now conflicts with the editor.
    expect((apply(core, cm({ color: 'blue', size: 'L' }), 'kubectl').body as AnyObj).message).toBe('Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.color');
  });

  it('needs a field manager; force only goes with apply', () => {
    const { core } = server();
    const r = apply(core, cm({ a: '1' }), undefined);
    expect(r.code).toBe(422);
    expect((r.body as AnyObj).message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    apply(core, cm({ a: '1' }), 'kubectl');
    const m = core.handle({ verb: 'patch', patchType: 'merge', ...CM, name: 'settings', body: { data: { a: '2' } }, token: ADMIN, query: { force: true } });
    expect(m.code).toBe(422);
    expect((m.body as AnyObj).message).toBe('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  });

  it('refuses a configuration whose list items lack their keys, or another version, or managedFields', () => {
    const { core } = server();
    const r = apply(core, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, 'kubectl', { target: DEPLOY, name: 'web' });
    expect(r.code).toBe(400);
    expect((r.body as AnyObj).message).toBe('failed to create typed patch object (/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)');
    const dup = apply(core, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }] } }, 'kubectl', { target: { ...CM, resource: 'pods' } as unknown as typeof CM, name: 'p' });
    expect((dup.body as AnyObj).message).toMatch(/: \.spec\.containers: duplicate entries for key \[name="a"\]$/);
    const v = apply(core, { apiVersion: 'apps/v2', kind: 'Deployment', metadata: { name: 'web' } }, 'kubectl', { target: DEPLOY, name: 'web' });
    expect((v.body as AnyObj).message).toBe('Incorrect version specified in apply patch. Specified patch version: apps/v2, expected: apps/v1');
    apply(core, cm({ a: '1' }), 'kubectl');
    const mf = apply(core, cm({ a: '1' }, { managedFields: [] }), 'kubectl');
    expect(mf.code).toBe(400);
    expect((mf.body as AnyObj).message).toBe('metadata.managedFields must be nil');
  });

  it('upgrades from client-side apply: fields kubectl applied client-side may change without conflict', () => {
    const { core } = server();
    const last = `${JSON.stringify(cm({ color: 'blue' }))}\n`;
    const created = core.handle({ verb: 'create', ...CM, body: cm({ color: 'blue' }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': last } }), token: ADMIN, query: { fieldManager: 'kubectl-client-side-apply' } });
    expect(owners(created.body)['kubectl-client-side-apply/Update']).toEqual({ 'f:data': { '.': {}, 'f:color': {} }, 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } });
    const r = apply(core, cm({ color: 'green' }), 'kubectl');
    expect(r.code).toBe(200);
    expect((r.body as AnyObj).metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBe('{"apiVersion":"v1","data":{"color":"green"},"kind":"ConfigMap","metadata":{"name":"settings"}}\n');
    // Another manager gets no such pass.
    expect(apply(core, cm({ color: 'red' }), 'other').code).toBe(409);
  });
});

describe('managedFields on every write', () => {
  it('a create is an Update of its manager over the defaulted object, system fields excluded', () => {
    const { core } = server();
    const r = core.handle({ verb: 'create', ...DEPLOY, token: ADMIN, query: { fieldManager: 'kubectl-create' }, body: {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
      status: { replicas: 5 },
    } });
    expect(r.code).toBe(201);
    const [entry, ...rest] = managed(r.body);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1' });
    const f = entry!.fieldsV1 as AnyObj;
    expect(Object.keys(f).sort()).toEqual(['f:metadata', 'f:spec']);
    expect(f['f:metadata']).toEqual({ 'f:labels': { '.': {}, 'f:app': {} } });
    expect(f['f:spec']['f:selector']).toEqual({});
    expect(f['f:spec']['f:strategy']).toEqual({ 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} });
    expect(f['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']).toMatchObject({ '.': {}, 'f:image': {}, 'f:imagePullPolicy': {}, 'f:name': {} });
  });

  it('writes without a fieldManager use the component\'s name, and status writes record their subresource', () => {
    const { core, tick } = server();
    core.handle({ verb: 'create', ...DEPLOY, token: KCM, body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } } });
    tick(1000);
    const s = core.handle({ verb: 'patch', patchType: 'merge', ...DEPLOY, name: 'web', subresource: 'status', token: KCM, body: { status: { replicas: 1, conditions: [{ type: 'Available', status: 'True' }] } } });
    expect(s.code).toBe(200);
    expect(owners(s.body)['kube-controller-manager/Update/status']).toEqual({ 'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"Available"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:replicas': {} } });
    // A main-resource write never manages status.
    expect(JSON.stringify(owners(s.body)['kube-controller-manager/Update'])).not.toContain('f:status');
    const p = core.handle({ verb: 'create', ...CM, resource: 'pods', token: KUBELET, body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } } });
    expect(managed(p.body).map((e) => e.manager)).toEqual(['kubelet']);
  });

  it('an Update that changes nothing leaves the entries alone', () => {
    const { core, tick } = server();
    const c = core.handle({ verb: 'create', ...CM, body: cm({ a: '1' }), token: ADMIN, query: { fieldManager: 'one' } });
    tick(60_000);
    const r = core.handle({ verb: 'patch', patchType: 'merge', ...CM, name: 'settings', body: { data: { a: '1' } }, token: ADMIN, query: { fieldManager: 'two' } });
    expect(managed(r.body)).toEqual(managed(c.body));
  });

  it('a PUT may carry managedFields (kept when valid), else the live ones stay', () => {
    const { core } = server();
    const c = core.handle({ verb: 'create', ...CM, body: cm({ a: '1' }), token: ADMIN, query: { fieldManager: 'one' } }).body as AnyObj;
    const put = (managedFields: unknown, data: Record<string, string>) => core.handle({ verb: 'update', ...CM, name: 'settings', token: ADMIN, query: { fieldManager: 'two' },
      body: { ...c, metadata: { ...c.metadata, resourceVersion: (core.read(resourceForKind('v1', 'ConfigMap')!, 'default', 'settings')!.metadata.resourceVersion), managedFields }, data } });
    const kept = put([{ manager: 'someone', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }], { a: '1', b: '2' });
    expect(owners(kept.body)).toEqual({ 'someone/Apply': { 'f:data': { 'f:a': {} } }, 'two/Update': { 'f:data': { 'f:b': {} } } });
    const garbage = put([{ manager: 'x', operation: 'Frob' }], { a: '1', b: '2', c: '3' });
    expect(owners(garbage.body)).toEqual({ 'someone/Apply': { 'f:data': { 'f:a': {} } }, 'two/Update': { 'f:data': { 'f:b': {}, 'f:c': {} } } });
  });

  it('the scale subresource manages the parent\'s spec.replicas', () => {
    const { core, tick } = server();
    const deploy = (replicas: number) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } });
    apply(core, deploy(2), 'kubectl', { target: DEPLOY, name: 'web' });
    tick(1000);
    const s = core.handle({ verb: 'patch', patchType: 'merge', ...DEPLOY, name: 'web', subresource: 'scale', body: { spec: { replicas: 4 } }, token: ADMIN });
    expect(s.code).toBe(200);
    expect(managed(s.body)).toEqual([{ manager: 'kubectl', operation: 'Update', apiVersion: 'autoscaling/v1', time: '2026-01-01T00:00:01Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, subresource: 'scale' }]);
    const conflict = apply(core, deploy(2), 'kubectl', { target: DEPLOY, name: 'web' });
    expect((conflict.body as AnyObj).message).toBe('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
    // An apply through the Scale takes the replicas (forced) and shows in the parent.
    const hpa = apply(core, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 7 } }, 'hpa', { target: DEPLOY, name: 'web', subresource: 'scale', force: true });
    expect(hpa.code).toBe(200);
    const parent = core.handle({ verb: 'get', ...DEPLOY, name: 'web', token: ADMIN }).body as AnyObj;
    expect(parent.spec.replicas).toBe(7);
    expect(owners(parent)['hpa/Apply/scale']).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(owners(parent)['kubectl/Update/scale']).toBeUndefined();
    expect(JSON.stringify(owners(parent)['kubectl/Apply'])).not.toContain('f:replicas');
  });
});

describe('robustness', () => {
  // Objects of any shape, with the field names whose lists and maps have special semantics.
  const key = fc.constantFrom('spec', 'containers', 'env', 'name', 'ports', 'containerPort', 'protocol', 'finalizers', 'selector', 'data', 'status', 'metadata', 'labels', 'x', 'conditions', 'type');
  const value = fc.letrec((tie) => ({
    any: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constantFrom<unknown>(null, 1, 'a', true, '80', 80), fc.array(tie('any'), { maxLength: 3 }), tie('obj')),
    obj: fc.dictionary(key, tie('any'), { maxKeys: 4 }),
  }));
  const obj = value.obj as fc.Arbitrary<Record<string, unknown>>;

  it('apply and update never throw, and always leave decodable managedFields', () => {
    fc.assert(fc.property(obj, obj, obj, fc.boolean(), (live, config, next, force) => {
      const ctx = { manager: 'm', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', statusSubresource: true, force };
      const a = applyConfig({ ...live, metadata: { uid: 'u' } }, { ...config, apiVersion: 'v1', kind: 'X' } as never, ctx);
      if (a.ok) expect(decodeManagedFields(a.value['metadata'] && (a.value['metadata'] as AnyObj)['managedFields'])).toBeDefined();
      else expect([400, 409]).toContain(a.status.code);
      const base = a.ok ? a.value : live;
      const u = updateManagedFields(base, next, { ...ctx, manager: 'u' });
      expect(decodeManagedFields(u)).toBeDefined();
    }), { numRuns: 500 });
  });
});
