import { describe, expect, it } from 'vitest';
import { MvccStore } from '../../../machines/etcd/mvcc.ts';
import { ApiServerCore } from '../../../machines/kube-apiserver/core.ts';
import { TokenAuthenticator } from '../../../machines/kube-apiserver/authn.ts';
import { bootstrapObjects } from '../../../machines/kube-apiserver/bootstrap.ts';
import type { ApiRequest, WatchEvent } from '../../../machines/client/protocol.ts';
import type { KObject, Pod } from '../../../src/api/objects.ts';
import { resourceForKind } from '../../../src/api/registry.ts';
import { Rng } from '../../../src/sim/rng.ts';
import { timestamp } from '../../../src/sim/clock.ts';

const ADMIN = 'admin-token-123';
const ALICE = 'alice-token-123';

function server() {
  let now = 0;
  const store = new MvccStore<KObject>();
  const core = new ApiServerCore({
    store, now: () => now, timestamp, rand: new Rng(1, 'apiserver'),
    authenticator: new TokenAuthenticator([
      { token: ADMIN, username: 'admin', groups: ['system:masters'] },
      { token: ALICE, username: 'alice', groups: [] },
    ]),
  });
  for (const o of bootstrapObjects()) {
    const info = resourceForKind(o.apiVersion, o.kind)!;
    const r = core.handle({ verb: 'create', group: info.group, version: info.version, resource: info.resource, ...(info.namespaced ? { namespace: o.metadata.namespace ?? 'default' } : {}), body: o, token: ADMIN });
    expect(r.code).toBe(201);
  }
  return { core, store, tick: (ms: number) => (now += ms) };
}

const pod = (name: string, extra: Partial<Pod['spec']> = {}): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx' }], ...extra } });
const createPod = (p: Pod, token = ADMIN): ApiRequest => ({ verb: 'create', group: '', version: 'v1', resource: 'pods', namespace: 'default', body: p, token });

describe('kube-apiserver request path', () => {
  it('rejects a request without a token or with an unknown one with 401 before anything else', () => {
    const { core } = server();
    for (const token of [undefined, 'nope']) {
      const r = core.handle({ ...createPod(pod('a')), token });
      expect(r.code).toBe(401);
      expect(r.stages).toEqual(['authentication']);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    }
  });

  it('forbids an unbound user with the upstream message shape', () => {
    const { core } = server();
    const r = core.handle(createPod(pod('a'), ALICE));
    expect(r.code).toBe(403);
    expect((r.body as { message: string }).message).toBe('pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "default"');
  });

  it('allows a user once a RoleBinding grants the verb', () => {
    const { core } = server();
    core.handle({ verb: 'create', group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', namespace: 'default', token: ADMIN,
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'alice-edit' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }] } });
    expect(core.handle(createPod(pod('a'), ALICE)).code).toBe(201);
    expect(core.handle({ verb: 'list', group: '', version: 'v1', resource: 'nodes', token: ALICE }).code).toBe(403);
  });

  it('applies the pod defaults and admission mutations', () => {
    const { core } = server();
    const r = core.handle(createPod(pod('a')));
    expect(r.stages).toEqual(['authentication', 'authorization', 'mutating-admission', 'validation', 'validating-admission', 'etcd']);
    const p = r.body as Pod;
    expect(p.spec.restartPolicy).toBe('Always');
    expect(p.spec.terminationGracePeriodSeconds).toBe(30);
    expect(p.spec.containers[0]!.imagePullPolicy).toBe('Always');
    expect(p.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    expect(p.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    expect(p.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(p.metadata.creationTimestamp).toBe('2026-01-01T00:00:00Z');
  });

  it('picks IfNotPresent for a tagged image and Always for latest', () => {
    const { core } = server();
    const p = core.handle(createPod({ ...pod('a'), spec: { containers: [{ name: 'a', image: 'nginx:1.27' }, { name: 'b', image: 'busybox:latest' }] } })).body as Pod;
    expect(p.spec.containers.map((c) => c.imagePullPolicy)).toEqual(['IfNotPresent', 'Always']);
  });

  it('answers 409 AlreadyExists on a second create and 409 Conflict on a stale update', () => {
    const { core } = server();
    const first = core.handle(createPod(pod('a'))).body as Pod;
    expect(core.handle(createPod(pod('a'))).body).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'pods "a" already exists' });
    const upd = (rv: string) => core.handle({ verb: 'update', group: '', version: 'v1', resource: 'pods', namespace: 'default', name: 'a', token: ADMIN, body: { ...first, metadata: { ...first.metadata, labels: { x: rv }, resourceVersion: rv } } });
    expect(upd(first.metadata.resourceVersion!).code).toBe(200);
    const stale = upd(first.metadata.resourceVersion!);
    expect(stale.code).toBe(409);
    expect((stale.body as { reason: string }).reason).toBe('Conflict');
  });

  it('rejects an invalid pod with 422 and field causes, and stores nothing', () => {
    const { core, store } = server();
    const rev = store.revision();
    const r = core.handle(createPod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' }, spec: { containers: [{ name: 'app' }] } } as Pod));
    expect(r.code).toBe(422);
    expect((r.body as { reason: string; details: { causes: Array<{ field: string }> } }).details.causes.map((c) => c.field)).toEqual(expect.arrayContaining(['metadata.name', 'spec.containers[0].image']));
    expect(store.revision()).toBe(rev);
  });

  it('refuses objects in a namespace that does not exist', () => {
    const { core } = server();
    const r = core.handle({ ...createPod(pod('a')), namespace: 'nowhere' });
    expect(r.code).toBe(404);
    expect((r.body as { message: string }).message).toBe('namespaces "nowhere" not found');
  });

  it('generates names from generateName with five characters of the upstream alphabet', () => {
    const { core } = server();
    const r = core.handle(createPod({ ...pod(''), metadata: { generateName: 'web-' } }));
    expect((r.body as Pod).metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('generates another name when a generated one is taken, up to 8 tries (RetryGenerateName)', () => {
    const names: string[] = [];
    const scripted = (seq: string[]) => {
      const { core } = server();
      let i = 0;
      const rand = (core as unknown as { o: { rand: { string: (a: string, n: number) => string } } }).o.rand;
      rand.string = () => seq[Math.min(i++, seq.length - 1)]!;
      return core;
    };
    const core = scripted(['bbbbb', 'bbbbb', 'ccccc']);
    for (let k = 0; k < 2; k++) {
      const r = core.handle(createPod({ ...pod(''), metadata: { generateName: 'web-' } }));
      expect(r.code).toBe(201);
      names.push((r.body as Pod).metadata.name!);
    }
    expect(names).toEqual(['web-bbbbb', 'web-ccccc']);
    // Always the same suffix: eight tries, then 409 AlreadyExists.
    const stuck = scripted(['ddddd']);
    expect(stuck.handle(createPod({ ...pod(''), metadata: { generateName: 'web-' } })).code).toBe(201);
    const r = stuck.handle(createPod({ ...pod(''), metadata: { generateName: 'web-' } }));
    expect(r.code).toBe(409);
    expect((r.body as { reason: string }).reason).toBe('AlreadyExists');
    // An explicit name is never changed.
    expect(stuck.handle(createPod(pod('web-ddddd'))).code).toBe(409);
  });

  it('binds a pod once; a second binding is a 409 Conflict', () => {
    const { core } = server();
    core.handle(createPod(pod('a')));
    const bind = (node: string) => core.handle({ verb: 'create', group: '', version: 'v1', resource: 'pods', namespace: 'default', name: 'a', subresource: 'binding', token: ADMIN, body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a' }, target: { kind: 'Node', name: node } } });
    expect(bind('n1').code).toBe(201);
    const again = bind('n2');
    expect(again.code).toBe(409);
    expect((again.body as { message: string }).message).toBe('Operation cannot be fulfilled on pods/binding "a": pod a is already assigned to node "n1"');
    const p = core.handle({ verb: 'get', group: '', version: 'v1', resource: 'pods', namespace: 'default', name: 'a', token: ADMIN }).body as Pod;
    expect(p.spec.nodeName).toBe('n1');
    expect(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
  });

  it('deletes an unscheduled pod at once and a scheduled one gracefully', () => {
    const { core } = server();
    core.handle(createPod(pod('a')));
    core.handle(createPod(pod('b', { nodeName: 'n1' })));
    const del = (name: string) => core.handle({ verb: 'delete', group: '', version: 'v1', resource: 'pods', namespace: 'default', name, token: ADMIN });
    del('a');
    expect(core.handle({ verb: 'get', group: '', version: 'v1', resource: 'pods', namespace: 'default', name: 'a', token: ADMIN }).code).toBe(404);
    const b = del('b').body as Pod;
    expect(b.metadata.deletionTimestamp).toBe('2026-01-01T00:00:30Z');
    expect(b.metadata.deletionGracePeriodSeconds).toBe(30);
    const force = core.handle({ verb: 'delete', group: '', version: 'v1', resource: 'pods', namespace: 'default', name: 'b', token: ADMIN, query: { gracePeriodSeconds: 0 } });
    expect(force.code).toBe(200);
    expect(core.handle({ verb: 'get', group: '', version: 'v1', resource: 'pods', namespace: 'default', name: 'b', token: ADMIN }).code).toBe(404);
  });

  it('filters lists by label and field selectors', () => {
    const { core } = server();
    core.handle(createPod({ ...pod('a'), metadata: { name: 'a', labels: { app: 'web' } } }));
    core.handle(createPod({ ...pod('b', { nodeName: 'n1' }), metadata: { name: 'b', labels: { app: 'db' } } }));
    const names = (q: Record<string, string>) => ((core.handle({ verb: 'list', group: '', version: 'v1', resource: 'pods', namespace: 'default', token: ADMIN, query: q }).body as { items: Pod[] }).items.map((p) => p.metadata.name));
    expect(names({ labelSelector: 'app=web' })).toEqual(['a']);
    expect(names({ fieldSelector: 'spec.nodeName=n1' })).toEqual(['b']);
    expect(names({ fieldSelector: 'spec.nodeName=' })).toEqual(['a']);
    expect(core.handle({ verb: 'list', group: '', version: 'v1', resource: 'pods', token: ADMIN, query: { labelSelector: 'app in (' } }).code).toBe(400);
  });

  it('watches from a resourceVersion, turning a selector miss into DELETED, and answers 410 when compacted', () => {
    const { core, store } = server();
    const a = core.handle(createPod(pod('a'))).body as Pod;
    const events: WatchEvent[] = [];
    core.watch({ verb: 'watch', group: '', version: 'v1', resource: 'pods', namespace: 'default', token: ADMIN, query: { fieldSelector: 'spec.nodeName=', resourceVersion: a.metadata.resourceVersion! } }, (e) => events.push(e));
    core.handle(createPod(pod('b')));
    core.handle({ verb: 'create', group: '', version: 'v1', resource: 'pods', namespace: 'default', name: 'b', subresource: 'binding', token: ADMIN, body: { target: { name: 'n1' } } });
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED b', 'DELETED b']);
    store.compact(store.revision());
    const late: WatchEvent[] = [];
    core.watch({ verb: 'watch', group: '', version: 'v1', resource: 'pods', token: ADMIN, query: { resourceVersion: a.metadata.resourceVersion! } }, (e) => late.push(e));
    expect(late[0]?.type).toBe('ERROR');
    expect(late[0]?.object).toMatchObject({ code: 410, reason: 'Expired' });
  });

  it('keeps resourceVersions strictly increasing across writes', () => {
    const { core } = server();
    const rvs: number[] = [];
    for (const n of ['a', 'b', 'c']) rvs.push(Number((core.handle(createPod(pod(n))).body as Pod).metadata.resourceVersion));
    expect(rvs[1]! > rvs[0]! && rvs[2]! > rvs[1]!).toBe(true);
  });

  it('answers access reviews from RBAC and stores nothing; reviews cannot be listed', () => {
    const { core, store } = server();
    const review = (token: string, resourceAttributes: Record<string, string>) => core.handle({
      verb: 'create', group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', token,
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } },
    });
    const rev = store.revision();
    const alice = review(ALICE, { verb: 'create', resource: 'pods', namespace: 'default' });
    expect(alice.code).toBe(201);
    expect((alice.body as { status: { allowed: boolean } }).status.allowed).toBe(false);
    const admin = review(ADMIN, { verb: 'create', resource: 'pods', namespace: 'default' });
    expect((admin.body as { status: { allowed: boolean } }).status.allowed).toBe(true);
    const who = core.handle({ verb: 'create', group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', token: ALICE, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(who.code).toBe(201);
    expect((who.body as { status: unknown }).status).toEqual({ userInfo: { username: 'alice', groups: ['system:authenticated'] } });
    expect(review(ALICE, {}).code).toBe(201);
    const empty = core.handle({ verb: 'create', group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', token: ALICE, body: { spec: {} } });
    expect(empty.code).toBe(422);
    expect(store.revision()).toBe(rev);
    const list = core.handle({ verb: 'list', group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', token: ADMIN });
    expect(list.code).toBe(405);
    expect(core.watch({ verb: 'watch', group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', token: ADMIN }, () => {}).response.code).toBe(405);
  });
});
