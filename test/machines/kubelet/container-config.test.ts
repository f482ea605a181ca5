import { describe, expect, it } from 'vitest';
import { configRefs, containerConfigError, imageUser, refKey, runAsNonRootError, type ConfigLookup, type ConfigRef } from '../../../machines/kubelet/container-config.ts';
import type { Container, Pod } from '../../../src/api/objects.ts';

const pod = (c: Container, podSc?: Record<string, unknown>): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop', uid: 'u-1' }, spec: { containers: [c], ...(podSc ? { securityContext: podSc } : {}) },
});
const WHO = '(pod: "web_shop(u-1)", container: app)';

/** The API as a table: resource/name -> data keys; anything else is 404. */
const api = (objects: Record<string, string[]>) => (ref: ConfigRef): ConfigLookup => {
  const keys = objects[refKey(ref)];
  return keys ? { found: true, keys: new Set(keys) } : { found: false, code: 404 };
};

describe('the environment a container takes from configMaps and secrets', () => {
  const c: Container = {
    name: 'app', image: 'busybox',
    envFrom: [{ configMapRef: { name: 'base' } }, { secretRef: { name: 'creds', optional: true } }],
    env: [
      { name: 'A', value: 'x' },
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'db', key: 'token' } } },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
  };

  it('names each object once, envFrom first', () => {
    expect(configRefs(c)).toEqual([{ resource: 'configmaps', name: 'base' }, { resource: 'secrets', name: 'creds' }, { resource: 'configmaps', name: 'settings' }, { resource: 'secrets', name: 'db' }]);
  });

  it('reports the first failure with upstream\'s message', () => {
    expect(containerConfigError(pod(c), c, api({}), 1000)).toBe('configmap "base" not found');
    expect(containerConfigError(pod(c), c, api({ 'configmaps/base': [] }), 1000)).toBe('configmap "settings" not found');
    expect(containerConfigError(pod(c), c, api({ 'configmaps/base': [], 'configmaps/settings': ['other'] }), 1000)).toBe("couldn't find key mode in ConfigMap shop/settings");
    expect(containerConfigError(pod(c), c, api({ 'configmaps/base': [], 'configmaps/settings': ['mode'] }), 1000)).toBe('secret "db" not found');
    expect(containerConfigError(pod(c), c, api({ 'configmaps/base': [], 'configmaps/settings': ['mode'], 'secrets/db': ['password'] }), 1000)).toBe("couldn't find key token in Secret shop/db");
    expect(containerConfigError(pod(c), c, api({ 'configmaps/base': [], 'configmaps/settings': ['mode'], 'secrets/db': ['token'] }), 1000)).toBeUndefined();
  });

  it('skips optional references: a missing object, or a missing key', () => {
    const opt: Container = { name: 'app', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode', optional: true } } }], envFrom: [{ configMapRef: { name: 'gone', optional: true } }] };
    expect(containerConfigError(pod(opt), opt, api({}), 1000)).toBeUndefined();
    expect(containerConfigError(pod(opt), opt, api({ 'configmaps/settings': ['other'] }), 1000)).toBeUndefined();
  });
});

describe('runAsNonRoot (verifyRunAsNonRoot)', () => {
  const c: Container = { name: 'app', image: 'nginx' };

  it('refuses an image that runs as root, or whose user is not a number', () => {
    expect(runAsNonRootError(pod(c, { runAsNonRoot: true }), c, undefined)).toBe(`container has runAsNonRoot and image will run as root ${WHO}`);
    expect(runAsNonRootError(pod(c, { runAsNonRoot: true }), c, 0)).toBe(`container has runAsNonRoot and image will run as root ${WHO}`);
    expect(runAsNonRootError(pod(c, { runAsNonRoot: true }), c, 'nginx')).toBe(`container has runAsNonRoot and image has non-numeric user (nginx), cannot verify user is non-root ${WHO}`);
    expect(runAsNonRootError(pod(c, { runAsNonRoot: true }), c, 65535)).toBeUndefined();
    expect(runAsNonRootError(pod(c, { runAsNonRoot: true }), c, '1000:1000')).toBeUndefined();
  });

  it('trusts an explicit runAsUser, the container\'s over the pod\'s', () => {
    expect(runAsNonRootError(pod(c, { runAsNonRoot: true, runAsUser: 0 }), c, 1000)).toBe(`container's runAsUser breaks non-root policy ${WHO}`);
    expect(runAsNonRootError(pod(c, { runAsNonRoot: true, runAsUser: 1000 }), c, 0)).toBeUndefined();
    const override: Container = { ...c, securityContext: { runAsUser: 1000 } };
    expect(runAsNonRootError(pod(override, { runAsNonRoot: true, runAsUser: 0 }), override, 0)).toBeUndefined();
    const off: Container = { ...c, securityContext: { runAsNonRoot: false } };
    expect(runAsNonRootError(pod(off, { runAsNonRoot: true }), off, 0)).toBeUndefined();
  });

  it('reads the image user as containerd reports it', () => {
    expect([imageUser(undefined), imageUser(''), imageUser(1000), imageUser('101'), imageUser('101:101'), imageUser('nginx')]).toEqual([{ uid: 0 }, { uid: 0 }, { uid: 1000 }, { uid: 101 }, { uid: 101 }, { name: 'nginx' }]);
  });

  it('checks the environment before the user', () => {
    const both: Container = { ...c, env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'k' } } }] };
    expect(containerConfigError(pod(both, { runAsNonRoot: true }), both, api({}), 0)).toBe('secret "db" not found');
  });
});
