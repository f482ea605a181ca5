/**
 * The kubelet's pod side: admitting pods bound to the node and giving each a pod worker (a pod
 * machine child), then serving what the workers ask for — volumes (configMaps and secrets read
 * through the API), the sandbox and its IP, image pulls (per imagePullPolicy, one at a time),
 * container starts and stops — with the Events upstream records along the way.
 */
import type { Pod } from '../../src/api/objects.ts';
import { objectKey, type Delta } from '../client/informer.ts';
import { goDuration } from '../pod/containers.ts';
import type { WorkerRequest } from '../pod/machine.ts';
import { admissionNode, admitPod, REJECTED_PREFIX } from './admission.ts';
import { behaviourFor, outputPlanOf } from './behaviour.ts';
import { configRefs, containerConfigError, dataKeys, refKey, type ConfigLookup } from './container-config.ts';
import {
  containerSpecOf, newEntry, podEvent, randomHex64, tellWorker, type KubeletContext, type KubeletEffects, type KubeletInternalEvent, type PodEntry,
} from './context.ts';
import type { PullJob } from './images.ts';
import { internalIPOf } from './node.ts';
import { defaultPullPolicy, parseImageRef, type ImageInfo } from './registry.ts';
import { resumable } from '../pod/resume.ts';
import { maybeDelete } from './status-manager.ts';

/** How long containerd takes to run the pause container and CNI ADD (RunPodSandbox). */
export const SANDBOX_CREATE_MS = 500;

const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

function admittedPods(ctx: KubeletContext): Pod[] {
  // Terminating pods still hold their resources until their containers have stopped.
  return [...ctx.pods.values()].filter((e) => e.alive && e.admitted).map((e) => e.pod);
}

/** A pod the kubelet sees for the first time: admit it and start its worker, or note it finished. */
function startPod(ctx: KubeletContext, fx: KubeletEffects, pod: Pod): void {
  const behaviours = Object.fromEntries([...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => [c.name, behaviourFor(pod, c, ctx.behaviours)]));
  const entry = newEntry(pod, behaviours);
  ctx.pods.set(entry.key, entry);
  // The runtime's view when the node has a disk (a restarted kubelet); the API status otherwise.
  const known = ctx.disk ? ctx.disk.runtime?.get(entry.uid) : pod.status;
  if (known && resumable({ ...pod, status: known })) return resumePod(ctx, fx, entry, { ...pod, status: known });
  if (isTerminal(pod) || pod.metadata.deletionTimestamp) {
    // Nothing runs here: a finished pod only waits to be deleted; a deleted one can go at once.
    entry.deletionRequested = pod.metadata.deletionTimestamp !== undefined;
    maybeDelete(ctx, entry);
    return;
  }
  const admission = admitPod(admissionNode(ctx), admittedPods(ctx), pod);
  entry.alive = true;
  entry.admitted = admission.admit;
  // Running here per the API, but the runtime has no sandbox of it (not resumable above): the node
  // lost its disk, or went down again before the pod's new sandbox was up. Start it over.
  const lost = ctx.disk !== undefined && pod.status?.phase === 'Running';
  if (lost) ctx.port.note(`pod ${entry.key}: the runtime has no sandbox for it; starting it over`);
  fx.spawnWorker(entry.workerId, { pod, behaviours, now: () => ctx.port.now(), notifyParent: true, ...(lost ? { lostRuntime: pod.status! } : {}) });
  if (lost && admission.admit) podEvent(ctx, entry, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
  fx.sendWorker(entry.workerId, { type: 'pod.bound', nodeName: ctx.config.name, hostIP: internalIPOf(ctx.config) });
  if (admission.admit) {
    fx.sendWorker(entry.workerId, { type: 'pod.admitted' });
  } else {
    podEvent(ctx, entry, 'Warning', admission.reason, admission.message);
    fx.sendWorker(entry.workerId, { type: 'pod.rejected', reason: admission.reason, message: REJECTED_PREFIX + admission.message });
  }
}

/**
 * A pod already running here when this kubelet started (it restarted; the node came back): its
 * containers survived in the runtime, so the worker adopts them from the API status instead of
 * starting them, its sandbox keeps its IP, and one deleted meanwhile is terminated as usual.
 */
function resumePod(ctx: KubeletContext, fx: KubeletEffects, entry: PodEntry, pod: Pod): void {
  entry.alive = true;
  entry.admitted = true;
  if (pod.spec['hostNetwork'] !== true && pod.status?.podIP) ctx.node.ipam?.claim(`${entry.key}/${entry.uid}`, pod.status.podIP);
  ctx.port.note(`pod ${entry.key}: found running (sandbox ${pod.status?.podIP}); adopting its containers`);
  fx.spawnWorker(entry.workerId, { pod, behaviours: entry.behaviours, now: () => ctx.port.now(), notifyParent: true, resume: pod.status! });
  if (pod.metadata.deletionTimestamp) {
    entry.deletionRequested = true;
    tellWorker(fx, entry, { type: 'pod.deletionRequested', gracePeriodSeconds: pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30 });
  }
}

/** A change to a pod bound to this node, from the pod informer. */
export function onPodDelta(ctx: KubeletContext, fx: KubeletEffects, d: Delta): void {
  const pod = d.object as Pod;
  const key = objectKey(pod);
  let entry = ctx.pods.get(key);
  if (entry && entry.uid !== pod.metadata.uid) {
    // A new pod reusing a name waits until the old one's worker is gone (see onWorkerDone).
    if (entry.alive) return;
    ctx.pods.delete(key);
    entry = undefined;
  }
  if (d.type === 'DELETED') {
    if (!entry) return;
    entry.apiDeleted = true;
    if (!entry.alive) ctx.pods.delete(key);
    else if (!entry.deletionRequested) {
      // Force deletion: the object is gone, the containers still get stopped.
      entry.deletionRequested = true;
      tellWorker(fx, entry, { type: 'pod.deletionRequested', gracePeriodSeconds: 0 });
    }
    return;
  }
  if (!entry) return startPod(ctx, fx, pod);
  entry.pod = pod;
  tellSpecChanges(ctx, fx, entry, pod);
  if (pod.metadata.deletionTimestamp && !entry.deletionRequested) {
    entry.deletionRequested = true;
    // Bug zoo: the worker is never told, so it goes on (re)starting the pod's containers.
    if (!ctx.bugs?.has('kubelet-restarts-deleted-pod')) tellWorker(fx, entry, { type: 'pod.deletionRequested', gracePeriodSeconds: pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30 });
  }
  maybeDelete(ctx, entry);
}

/**
 * A container's image changed in place (the only container field a Pod lets change): the worker
 * gets the new pod and the changed containers' new behaviours, and kills and restarts them
 * (machines/pod/spec-update.ts). The kubelet's own copy of the behaviours follows, so the next
 * start runs the new image's.
 */
function tellSpecChanges(ctx: KubeletContext, fx: KubeletEffects, entry: PodEntry, pod: Pod): void {
  const images = entry.images;
  const changed = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].filter((c) => images.has(c.name) && images.get(c.name) !== (c.image ?? ''));
  if (changed.length === 0) return;
  const behaviours = Object.fromEntries(changed.map((c) => [c.name, behaviourFor(pod, c, ctx.behaviours)]));
  for (const c of changed) images.set(c.name, c.image ?? '');
  if (!entry.alive || entry.deletionRequested || pod.metadata.deletionTimestamp) return;
  entry.behaviours = { ...entry.behaviours, ...behaviours };
  ctx.port.note(`pod ${entry.key}: ${changed.map((c) => `${c.name} image changed to ${c.image ?? ''}`).join(', ')}`);
  tellWorker(fx, entry, { type: 'pod.specUpdated', pod, behaviours });
}

/** A pod worker reached its final state: free its IP; a pod waiting on the name may start. */
export function onWorkerEnded(ctx: KubeletContext, fx: KubeletEffects, entry: PodEntry): void {
  entry.alive = false;
  fx.stopWorker(entry.workerId);
  ctx.node.ipam?.release(`${entry.key}/${entry.uid}`);
  // The sandbox is gone: the runtime forgets the pod.
  ctx.disk?.runtime?.delete(entry.uid);
  maybeDelete(ctx, entry);
  if (entry.apiDeleted) ctx.pods.delete(entry.key);
  const [ns, name] = entry.key.split('/');
  const current = ctx.podInformer.get(ns, name!) as Pod | undefined;
  if (current && current.metadata.uid !== entry.uid) onPodDelta(ctx, fx, { type: 'ADDED', object: current });
}

/** Serves a pod worker's request. */
export function onWorkerRequest(ctx: KubeletContext, fx: KubeletEffects, req: WorkerRequest): void {
  const entry = ctx.pods.get(req.pod);
  if (!entry || entry.uid !== req.uid || !entry.alive) return;
  switch (req.type) {
    case 'worker.mountVolumes': return mountVolumes(ctx, fx, entry);
    case 'worker.createSandbox': return createSandbox(ctx, fx, entry);
    case 'worker.startContainer': return startContainer(ctx, fx, entry, req.container, req.attempt);
    case 'worker.containerExited': {
      const { name, namespace } = entry.pod.metadata;
      ctx.logSink?.({ kind: 'end', namespace: namespace ?? 'default', pod: name ?? '', uid: entry.uid, container: req.container, attempt: req.attempt });
      return;
    }
    case 'worker.killContainer': return podEvent(ctx, entry, 'Normal', 'Killing', req.message ?? `Stopping container ${req.container}`, req.container);
    // kuberuntime keeps the handler's output out of hook events so that secrets do not leak.
    case 'worker.hookFailed':
      return req.hook === 'PostStart'
        ? podEvent(ctx, entry, 'Warning', 'FailedPostStartHook', 'PostStartHook failed', req.container)
        : podEvent(ctx, entry, 'Warning', 'FailedPreStopHook', 'PreStopHook failed', req.container);
    // prober.go records Unhealthy on every failed probe, below the threshold too (the recorder aggregates repeats).
    case 'worker.probeFailed': return podEvent(ctx, entry, 'Warning', 'Unhealthy', req.message, req.container);
    case 'worker.backOff':
      if (req.reason === 'CrashLoopBackOff') {
        const { name, namespace } = entry.pod.metadata;
        return podEvent(ctx, entry, 'Warning', 'BackOff', `Back-off restarting failed container ${req.container} in pod ${name}_${namespace}(${entry.uid})`, req.container);
      }
      podEvent(ctx, entry, 'Normal', 'BackOff', req.message, req.container);
      return podEvent(ctx, entry, 'Warning', 'Failed', 'Error: ImagePullBackOff', req.container);
  }
}

/** Reads every configMap and secret the pod mounts; emptyDir and the rest need nothing. */
function mountVolumes(ctx: KubeletContext, fx: KubeletEffects, entry: PodEntry): void {
  entry.mountRound++;
  entry.mountFailures = [];
  const needed = (entry.pod.spec.volumes ?? []).filter((v) => v.configMap || v.secret);
  entry.mountPending = needed.length;
  if (needed.length === 0) return tellWorker(fx, entry, { type: 'pod.volumesMounted' });
  for (const v of needed) {
    const resource = v.configMap ? 'configmaps' : 'secrets';
    const name = v.configMap ? v.configMap.name : v.secret!.secretName;
    ctx.port.request({ verb: 'get', group: '', version: 'v1', resource, namespace: entry.pod.metadata.namespace ?? 'default', name }, `mount:${entry.key}:${entry.mountRound}:${v.name}`);
  }
}

/** One configMap/secret read answered ("mount:<ns>/<name>:<round>:<volume>"). */
export function onMountResponse(ctx: KubeletContext, fx: KubeletEffects, tag: string, code: number): void {
  const rest = tag.slice('mount:'.length);
  const volume = rest.slice(rest.lastIndexOf(':') + 1);
  const head = rest.slice(0, rest.lastIndexOf(':'));
  const round = Number(head.slice(head.lastIndexOf(':') + 1));
  const entry = ctx.pods.get(head.slice(0, head.lastIndexOf(':')));
  if (!entry || !entry.alive || round !== entry.mountRound) return;
  const v = entry.pod.spec.volumes?.find((x) => x.name === volume);
  if (!v) return;
  entry.mountPending--;
  const optional = v.configMap ? v.configMap.optional : v.secret?.optional;
  if (code !== 200 && !optional) {
    const what = v.configMap ? `configmap "${v.configMap.name}"` : `secret "${v.secret!.secretName}"`;
    entry.mountFailures.push(`MountVolume.SetUp failed for volume "${volume}" : ${what} ${code === 404 ? 'not found' : `could not be read (${code})`}`);
  }
  if (entry.mountPending > 0) return;
  for (const m of entry.mountFailures) podEvent(ctx, entry, 'Warning', 'FailedMount', m);
  if (entry.mountFailures.length > 0) tellWorker(fx, entry, { type: 'pod.volumeMountFailed', message: entry.mountFailures[0]! });
  else tellWorker(fx, entry, { type: 'pod.volumesMounted' });
}

/** RunPodSandbox: the pause container and CNI ADD, which hands out the pod IP. */
function createSandbox(ctx: KubeletContext, fx: KubeletEffects, entry: PodEntry): void {
  const ip = entry.pod.spec['hostNetwork'] === true ? internalIPOf(ctx.config) : ctx.node.ipam?.allocate(`${entry.key}/${entry.uid}`);
  if (!ip) {
    const range = ctx.node.ipam ? `no IP addresses available in range set: ${ctx.node.ipam.rangeText()}` : 'no podCIDR';
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${randomHex64(ctx.port)}": plugin type="bridge" failed (add): failed to allocate for range 0: ${range}`;
    podEvent(ctx, entry, 'Warning', 'FailedCreatePodSandBox', message);
    return tellWorker(fx, entry, { type: 'pod.sandboxFailed', message });
  }
  // Bug zoo: the containers may start as soon as the pause container runs, before CNI ADD has given the IP.
  if (ctx.bugs?.has('kubelet-running-before-sandbox-ip')) tellWorker(fx, entry, { type: 'pod.sandboxReady', podIP: '' });
  fx.raise({ type: 'sandbox.created', pod: entry.key, uid: entry.uid, podIP: ip }, SANDBOX_CREATE_MS, `sandbox:${entry.key}:${entry.uid}`);
}

/** The sandbox is up: the worker learns its pod IP. */
export function onSandboxCreated(ctx: KubeletContext, fx: KubeletEffects, e: Extract<KubeletInternalEvent, { type: 'sandbox.created' }>): void {
  const entry = ctx.pods.get(e.pod);
  if (entry && entry.uid === e.uid) tellWorker(fx, entry, { type: 'pod.sandboxReady', podIP: e.podIP });
}

/** startContainer's first step, EnsureImageExists: use the node's copy or pull, per imagePullPolicy. */
function startContainer(ctx: KubeletContext, fx: KubeletEffects, entry: PodEntry, container: string, attempt: number): void {
  const spec = containerSpecOf(entry.pod, container);
  if (!spec) return;
  const image = spec.image ?? '';
  // The image manager's event, then kuberuntime's "Error: <reason>", as upstream records both.
  const fail = (reason: string, message: string, eventReason = reason) => {
    podEvent(ctx, entry, 'Warning', eventReason, message, container);
    podEvent(ctx, entry, 'Warning', 'Failed', `Error: ${reason}`, container);
    tellWorker(fx, entry, { type: 'container.pullFailed', container, attempt, reason, message });
  };
  if (!parseImageRef(image)) return fail('InvalidImageName', `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`, 'InspectFailed');
  const policy = spec.imagePullPolicy ?? defaultPullPolicy(image);
  const present = ctx.images.get(image);
  if (present && policy !== 'Always') {
    podEvent(ctx, entry, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, container);
    return runContainer(ctx, fx, entry, container, attempt, present);
  }
  if (policy === 'Never') return fail('ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
  podEvent(ctx, entry, 'Normal', 'Pulling', `Pulling image "${image}"`, container);
  const { job, startsNow } = ctx.pulls.enqueue({ pod: entry.key, uid: entry.uid, container, attempt, image, enqueuedAtMs: ctx.port.now() });
  if (startsNow) beginPull(ctx, fx, job);
}

function beginPull(ctx: KubeletContext, fx: KubeletEffects, job: PullJob): void {
  job.startedAtMs = ctx.port.now();
  // Layers already on the node (another pod pulled the same image meanwhile) cost only the overhead.
  job.durationMs = ctx.images.has(job.image) ? ctx.registry.pullOverheadMs : ctx.registry.pull(job.image).durationMs;
  fx.raise({ type: 'image.pullCompleted', jobId: job.id }, job.durationMs, `pull:${job.id}`);
}

/** The active pull finished: store the image and start the container, or report the failure. */
export function onPullCompleted(ctx: KubeletContext, fx: KubeletEffects, jobId: number): void {
  const { done, next } = ctx.pulls.finish(jobId);
  if (next) beginPull(ctx, fx, next);
  if (!done) return;
  const result = ctx.registry.pull(done.image);
  if (result.ok && !ctx.images.has(done.image)) {
    ctx.images.add(result.image);
    ctx.node.imagesDirty = true;
  }
  const entry = ctx.pods.get(done.pod);
  if (!entry || entry.uid !== done.uid || !entry.alive || entry.deletionRequested) return;
  if (!result.ok) {
    podEvent(ctx, entry, 'Warning', 'Failed', `Failed to pull image "${done.image}": ${result.message}`, done.container);
    podEvent(ctx, entry, 'Warning', 'Failed', 'Error: ErrImagePull', done.container);
    return tellWorker(fx, entry, { type: 'container.pullFailed', container: done.container, attempt: done.attempt, reason: 'ErrImagePull', message: result.message });
  }
  const total = ctx.port.now() - done.enqueuedAtMs;
  podEvent(ctx, entry, 'Normal', 'Pulled', `Successfully pulled image "${done.image}" in ${goDuration(done.durationMs ?? total)} (${goDuration(total)} including waiting). Image size: ${result.image.sizeBytes} bytes.`, done.container);
  runContainer(ctx, fx, entry, done.container, done.attempt, result.image);
}

/**
 * The image is there: generateContainerConfig reads the configMaps and secrets the container's
 * environment names (through the API, like the volume mounts) and checks runAsNonRoot
 * (container-config.ts); then CreateContainer and StartContainer.
 */
function runContainer(ctx: KubeletContext, fx: KubeletEffects, entry: PodEntry, container: string, attempt: number, image: ImageInfo): void {
  const spec = containerSpecOf(entry.pod, container);
  const refs = spec ? configRefs(spec) : [];
  if (refs.length === 0) return configured(ctx, fx, entry, container, attempt, image, new Map());
  const reads = (entry.configReads ??= new Map());
  reads.set(container, { attempt, pending: refs.length, results: new Map(), image });
  const namespace = entry.pod.metadata.namespace ?? 'default';
  for (const ref of refs) {
    ctx.port.request({ verb: 'get', group: '', version: 'v1', resource: ref.resource, namespace, name: ref.name }, `config:${entry.key}|${entry.uid}|${container}|${attempt}|${refKey(ref)}`);
  }
}

/** One configMap/secret read for a container's environment answered ("config:<ns>/<pod>|<uid>|<container>|<attempt>|<resource>/<name>"). */
export function onConfigResponse(ctx: KubeletContext, fx: KubeletEffects, tag: string, code: number, body: unknown): void {
  const [key, uid, container, attempt, ref] = tag.slice('config:'.length).split('|');
  const entry = ctx.pods.get(key ?? '');
  const read = entry?.configReads?.get(container ?? '');
  if (!entry || !read || entry.uid !== uid || read.attempt !== Number(attempt) || ref === undefined) return;
  const status = body as { message?: string } | undefined;
  read.results.set(ref, code === 200 ? { found: true, keys: dataKeys(body) } : { found: false, code, ...(code !== 404 && status?.message ? { message: status.message } : {}) });
  if (--read.pending > 0) return;
  entry.configReads!.delete(container!);
  if (!entry.alive || entry.deletionRequested) return;
  configured(ctx, fx, entry, container!, read.attempt, read.image, read.results);
}

/** The container's config is resolved: CreateContainerConfigError, or create and start it. */
function configured(ctx: KubeletContext, fx: KubeletEffects, entry: PodEntry, container: string, attempt: number, image: ImageInfo, results: ReadonlyMap<string, ConfigLookup>): void {
  const spec = containerSpecOf(entry.pod, container);
  const message = spec ? containerConfigError(entry.pod, spec, (r) => results.get(refKey(r)) ?? { found: false, code: 404 }, entry.behaviours[container]?.runAsUser) : undefined;
  if (message !== undefined) {
    podEvent(ctx, entry, 'Warning', 'Failed', `Error: ${message}`, container);
    return tellWorker(fx, entry, { type: 'container.configFailed', container, attempt, message });
  }
  createContainer(ctx, fx, entry, container, attempt, image);
}

/**
 * CreateContainer and StartContainer; the process's behaviour (logs now, exit later) begins.
 * When its executable does not exist (the behaviour's `startError`), StartContainer fails:
 * kuberuntime records `Failed` `Error: <runtime message>` instead of Started, and the container
 * shows StartError / RunContainerError (steps.ts containerStartFailed).
 */
function createContainer(ctx: KubeletContext, fx: KubeletEffects, entry: PodEntry, container: string, attempt: number, image: ImageInfo): void {
  podEvent(ctx, entry, 'Normal', 'Created', `Created container ${container}`, container);
  const startError = entry.behaviours[container]?.startError;
  if (startError !== undefined) {
    podEvent(ctx, entry, 'Warning', 'Failed', `Error: ${startError}`, container);
    return tellWorker(fx, entry, { type: 'container.startFailed', container, attempt, message: startError, containerID: `containerd://${randomHex64(ctx.port)}`, image: image.ref, imageID: image.imageID });
  }
  podEvent(ctx, entry, 'Normal', 'Started', `Started container ${container}`, container);
  const { name, namespace, uid } = entry.pod.metadata;
  ctx.logSink?.({ kind: 'start', namespace: namespace ?? 'default', pod: name ?? '', uid: uid ?? '', container, attempt, output: outputPlanOf(entry.behaviours[container]) });
  tellWorker(fx, entry, { type: 'container.started', container, attempt, containerID: `containerd://${randomHex64(ctx.port)}`, image: image.ref, imageID: image.imageID });
}
