/**
 * The realisations: manifests whose real meaning drives the machines through known paths, each
 * with the triggers a real cluster understands and what an observer of the API must see. Each
 * recipe declares the container machine events it drives (per container) and the pod machine
 * states it passes through; the generator (generate.ts) checks them against the machines, maps
 * the generated graph paths onto them, and writes one case per recipe.
 *
 * Nothing here is kubelife-specific: images are real (registry.k8s.io's e2e busybox, nginx), the
 * commands mean what they mean on a node, and the bounds are for a real cluster (image pulls,
 * kubelet sync periods, 10 s crash back-off). Sources for the behaviours: docs/BEHAVIOURS.md.
 */
import type { ContainerEventType } from '../../machines/container/machine.ts';
import { BIRTH, BIRTH_INIT, BUSYBOX, MISSING_IMAGE, NGINX, NGINX_NEXT, PAUSE, RUN, START_S, U, busybox, definitionChanged, del, expect, pod, setImage, type Recipe } from './recipe-kit.ts';

export { UPSTREAM_NAMES, type Recipe } from './recipe-kit.ts';

export const RECIPES: readonly Recipe[] = [
  {
    name: 'exit-0-never',
    description: 'busybox `sh -c "exit 0"` under restartPolicy Never: the container runs, exits 0 (Completed) and the pod ends Succeeded.',
    upstream: [U.expectedStatus],
    containers: [{ name: 'c', events: [...RUN, 'exited.completed'] }],
    pod: `${BIRTH} container.started Running container.exited Succeeded`,
    steps: [
      pod('p', { restartPolicy: 'Never', containers: [busybox('c', 'exit 0')] }),
      expect({ container: { name: 'c', state: 'Running' }, within: START_S, optional: true }),
      expect({ container: { name: 'c', state: 'Terminated.Completed', exitCode: 0 }, within: START_S }),
      expect({ phase: 'Succeeded', condition: { type: 'Ready', status: 'False', reason: 'PodCompleted' }, within: START_S }),
    ],
    events: [{ reason: 'Scheduled', object: 'p', within: START_S }, { reason: 'Started', type: 'Normal', object: 'p', within: START_S }],
  },
  {
    name: 'exit-1-never',
    description: 'busybox `sh -c "exit 1"` under restartPolicy Never: Terminated with reason Error, exit code 1; the pod ends Failed and is never restarted.',
    upstream: [U.expectedStatus, U.terminatedReason],
    containers: [{ name: 'c', events: [...RUN, 'exited.error'] }],
    pod: `${BIRTH} container.started Running container.exited Failed`,
    steps: [
      pod('p', { restartPolicy: 'Never', containers: [busybox('c', 'exit 1')] }),
      expect({ container: { name: 'c', state: 'Terminated.Error', exitCode: 1 }, within: START_S }),
      expect({ phase: 'Failed', condition: { type: 'Ready', status: 'False', reason: 'PodFailed' }, within: START_S }),
    ],
    events: [{ reason: 'Started', type: 'Normal', object: 'p', within: START_S }],
  },
  {
    name: 'crashloop-on-failure',
    description: 'busybox `sh -c "exit 1"` under restartPolicy OnFailure: Error, an immediate restart, then CrashLoopBackOff with a back-off of 10 s before the second restart; deleting the pod removes it.',
    upstream: [U.expectedStatus, U.possibleToDelete],
    containers: [{ name: 'c', events: [...RUN, 'exited.error', ...RUN, 'exited.error', 'restart.backOff', ...RUN, 'exited.error', 'restart.backOff'] }],
    pod: `${BIRTH} container.started Running pod.deletionRequested Failed`,
    steps: [
      pod('p', { restartPolicy: 'OnFailure', containers: [busybox('c', 'exit 1')] }),
      expect({ container: { name: 'c', state: 'Terminated.Error', exitCode: 1 }, within: START_S, optional: true }),
      expect({ phase: 'Running', container: { name: 'c', state: 'Waiting.CrashLoopBackOff', restartCountAtLeast: 1 }, within: START_S }),
      expect({ container: { name: 'c', state: 'Waiting.CrashLoopBackOff', restartCountAtLeast: 2 }, after: 10, within: START_S + 60 }),
      del(),
      expect({ gone: true, within: 60 }),
    ],
    events: [{ reason: 'BackOff', type: 'Warning', object: 'p', within: START_S }],
  },
  {
    name: 'image-pull-backoff',
    description: `An image from a registry that does not exist (${MISSING_IMAGE}): ErrImagePull, then ImagePullBackOff, the pod Pending; deleted while it waits, its container ends ContainerStatusUnknown and the pod goes.`,
    upstream: [U.invalidRegistry],
    containers: [{ name: 'c', events: ['pull.failed', 'pull.backOff', 'pull.failed', 'pull.backOff', 'lost'] }],
    pod: `${BIRTH} container.pullFailed Pending.creatingContainers.waiting pod.deletionRequested Failed`,
    steps: [
      pod('p', { containers: [{ name: 'c', image: MISSING_IMAGE }] }),
      expect({ phase: 'Pending', container: { name: 'c', state: 'Waiting.ErrImagePull' }, within: START_S }),
      expect({ phase: 'Pending', container: { name: 'c', state: 'Waiting.ImagePullBackOff' }, within: START_S }),
      del(),
      expect({ container: { name: 'c', state: 'Terminated.ContainerStatusUnknown' }, within: 60, optional: true }),
      expect({ gone: true, within: 60 }),
    ],
    events: [{ reason: 'Failed', type: 'Warning', object: 'p', within: START_S }, { reason: 'BackOff', object: 'p', within: START_S }],
  },
  {
    name: 'err-image-never-pull',
    description: 'imagePullPolicy Never with an image no node has: ErrImageNeverPull, the pod Pending.',
    upstream: [],
    containers: [{ name: 'c', events: ['pull.neverAllowed'] }],
    pod: `${BIRTH} container.pullFailed Pending.creatingContainers.waiting`,
    steps: [
      pod('p', { containers: [{ name: 'c', image: 'registry.k8s.io/e2e-test-images/kubelife-never-pulled:1.0', imagePullPolicy: 'Never' }] }),
      expect({ phase: 'Pending', container: { name: 'c', state: 'Waiting.ErrImageNeverPull' }, within: START_S }),
    ],
    events: [{ reason: 'ErrImageNeverPull', type: 'Warning', object: 'p', within: START_S }],
  },
  {
    name: 'invalid-image-name',
    description: 'An image reference that does not parse (upper case in the repository): InvalidImageName, the pod Pending.',
    upstream: [],
    containers: [{ name: 'c', events: ['image.invalid'] }],
    pod: `${BIRTH} container.pullFailed Pending.creatingContainers.waiting`,
    steps: [
      pod('p', { containers: [{ name: 'c', image: 'kubelife/Invalid_Name:1.0' }] }),
      expect({ phase: 'Pending', container: { name: 'c', state: 'Waiting.InvalidImageName' }, within: START_S }),
    ],
    events: [{ reason: 'InspectFailed', type: 'Warning', object: 'p', within: START_S }],
  },
  {
    name: 'missing-configmap-env',
    description: 'An env var from a configMap that does not exist: CreateContainerConfigError until the configMap is created, then the container runs.',
    upstream: [U.configMapEnv],
    containers: [{ name: 'c', events: ['config.failed', ...RUN] }],
    pod: `${BIRTH} container.configFailed Pending.creatingContainers.waiting container.started Running`,
    steps: [
      pod('p', { terminationGracePeriodSeconds: 1, containers: [busybox('c', 'sleep 3600', { env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'conf-env', key: 'k' } } }] })] }),
      expect({ phase: 'Pending', container: { name: 'c', state: 'Waiting.CreateContainerConfigError' }, within: START_S }),
      { do: { create: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conf-env' }, data: { k: 'v' } } } },
      expect({ phase: 'Running', container: { name: 'c', state: 'Running.Ready' }, condition: { type: 'Ready', status: 'True' }, within: 90 }),
    ],
    events: [{ reason: 'Failed', type: 'Warning', object: 'p', within: START_S }],
  },
  {
    name: 'missing-configmap-volume',
    description: 'A configMap volume whose configMap does not exist: FailedMount, the container ContainerCreating, until the configMap is created; then it runs.',
    upstream: [U.configMapVolume],
    containers: [{ name: 'c', events: RUN }],
    pod: 'Pending.unscheduled pod.bound Pending.scheduled pod.admitted Pending.initializing.mountingVolumes pod.volumeMountFailed Pending.initializing.mountBackOff xstate.after.mountRetry.pod.Pending.initializing.mountBackOff Pending.initializing.mountingVolumes pod.volumesMounted Pending.initializing.creatingSandbox pod.sandboxReady Pending.creatingContainers.current container.started Running',
    steps: [
      pod('p', { terminationGracePeriodSeconds: 1, volumes: [{ name: 'conf', configMap: { name: 'conf-vol' } }], containers: [busybox('c', 'sleep 3600', { volumeMounts: [{ name: 'conf', mountPath: '/etc/conf' }] })] }),
      expect({ phase: 'Pending', container: { name: 'c', state: 'Waiting.ContainerCreating' }, within: START_S }),
      { do: { create: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conf-vol' }, data: { k: 'v' } } } },
      expect({ phase: 'Running', container: { name: 'c', state: 'Running.Ready' }, within: 180 }),
    ],
    events: [{ reason: 'FailedMount', type: 'Warning', object: 'p', within: START_S }],
  },
  {
    name: 'init-container-completes',
    description: 'An init container `sh -c "exit 0"` before a long-running container (restartPolicy Never): the app container waits PodInitializing, runs once the init container Completed; deleting the pod terminates it.',
    upstream: [U.initNever, U.submittedRemoved],
    containers: [
      { name: 'i', init: true, events: ['pod.hasInitContainers', 'started', 'startup.succeeded', 'exited.completed'] },
      { name: 'c', events: ['pod.hasInitContainers', ...RUN, 'exited.error'] },
    ],
    pod: `${BIRTH_INIT} container.exited Pending.creatingContainers.current container.started Running pod.deletionRequested Terminating container.exited Failed`,
    steps: [
      pod('p', { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, initContainers: [busybox('i', 'exit 0')], containers: [busybox('c', 'sleep 3600')] }),
      expect({ container: { name: 'c', state: 'Waiting.PodInitializing' }, within: START_S, optional: true }),
      expect({ container: { name: 'i', init: true, state: 'Terminated.Completed', exitCode: 0 }, within: START_S }),
      expect({ phase: 'Running', container: { name: 'c', state: 'Running.Ready' }, condition: { type: 'Initialized', status: 'True' }, within: START_S }),
      del(),
      expect({ deleting: true, within: 30 }),
      expect({ gone: true, within: 60 }),
    ],
    events: [{ reason: 'Killing', object: 'p', within: START_S + 60 }],
  },
  {
    name: 'init-container-fails-never',
    description: 'An init container `sh -c "exit 1"` under restartPolicy Never: the pod fails and the app container never starts (it stays PodInitializing).',
    upstream: [U.initFailNever],
    containers: [
      { name: 'i', init: true, events: ['pod.hasInitContainers', 'started', 'startup.succeeded', 'exited.error'] },
      { name: 'c', events: ['pod.hasInitContainers'] },
    ],
    pod: `${BIRTH_INIT} container.exited Failed`,
    steps: [
      pod('p', { restartPolicy: 'Never', initContainers: [busybox('i', 'exit 1')], containers: [busybox('c', 'sleep 3600')] }),
      expect({ phase: 'Failed', container: { name: 'i', init: true, state: 'Terminated.Error', exitCode: 1 }, condition: { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized' }, within: START_S }),
      expect({ container: { name: 'c', state: 'Waiting.PodInitializing' }, within: START_S }),
    ],
    events: [],
  },
  {
    name: 'init-container-restart-always',
    description: 'An init container `sh -c "exit 0"` before a long-running container under restartPolicy Always: the init container Completed, then the app container runs and the pod is Initialized.',
    upstream: [U.initAlways],
    containers: [
      { name: 'i', init: true, events: ['pod.hasInitContainers', 'started', 'startup.succeeded', 'exited.completed'] },
      { name: 'c', events: ['pod.hasInitContainers', ...RUN] },
    ],
    pod: `${BIRTH_INIT} container.exited Pending.creatingContainers.current container.started Running`,
    steps: [
      pod('p', { terminationGracePeriodSeconds: 1, initContainers: [busybox('i', 'exit 0')], containers: [busybox('c', 'sleep 3600')] }),
      expect({ container: { name: 'i', init: true, state: 'Terminated.Completed', exitCode: 0 }, within: START_S }),
      expect({ phase: 'Running', container: { name: 'c', state: 'Running.Ready' }, condition: { type: 'Initialized', status: 'True' }, within: START_S }),
    ],
    events: [],
  },
  {
    name: 'init-container-fails-always',
    description: 'An init container `sh -c "exit 1"` under restartPolicy Always: it is restarted with a crash back-off, the app container never starts (PodInitializing) and the pod stays Pending, not Initialized.',
    upstream: [U.initFailAlways],
    containers: [
      { name: 'i', init: true, events: ['pod.hasInitContainers', 'started', 'startup.succeeded', 'exited.error', 'started', 'startup.succeeded', 'exited.error', 'restart.backOff'] },
      { name: 'c', events: ['pod.hasInitContainers'] },
    ],
    pod: `${BIRTH_INIT}`,
    steps: [
      pod('p', { initContainers: [busybox('i', 'exit 1')], containers: [busybox('c', 'sleep 3600')] }),
      expect({ phase: 'Pending', container: { name: 'i', init: true, state: 'Waiting.CrashLoopBackOff', restartCountAtLeast: 1 }, condition: { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized' }, within: START_S }),
      expect({ phase: 'Pending', container: { name: 'c', state: 'Waiting.PodInitializing' }, within: START_S }),
    ],
    events: [{ reason: 'BackOff', type: 'Warning', object: 'p', within: START_S }],
  },
  {
    name: 'init-start-error-never',
    description: 'An init container whose executable does not exist, under restartPolicy Never: StartError (exit code 128) and the pod fails before its app container starts.',
    upstream: [],
    containers: [
      { name: 'i', init: true, events: ['pod.hasInitContainers', 'exited.startError'] },
      { name: 'c', events: ['pod.hasInitContainers'] },
    ],
    pod: `${BIRTH_INIT} container.startFailed Failed`,
    steps: [
      pod('p', { restartPolicy: 'Never', initContainers: [{ name: 'i', image: BUSYBOX, command: ['kubelife-no-such-binary'] }], containers: [busybox('c', 'sleep 3600')] }),
      expect({ phase: 'Failed', container: { name: 'i', init: true, state: 'Terminated.StartError', exitCode: 128 }, within: START_S }),
    ],
    events: [{ reason: 'Failed', type: 'Warning', object: 'p', within: START_S }],
  },
  {
    name: 'init-image-pull-backoff',
    description: `An init container whose image does not exist (${MISSING_IMAGE}): it waits in ErrImagePull / ImagePullBackOff, the app container PodInitializing, the pod Pending; deleted, the pod goes.`,
    upstream: [],
    containers: [
      { name: 'i', init: true, events: ['pod.hasInitContainers', 'pull.failed', 'pull.backOff'] },
      { name: 'c', events: ['pod.hasInitContainers'] },
    ],
    pod: `${BIRTH_INIT} pod.deletionRequested Failed`,
    steps: [
      pod('p', { initContainers: [{ name: 'i', image: MISSING_IMAGE }], containers: [busybox('c', 'sleep 3600')] }),
      expect({ phase: 'Pending', container: { name: 'i', init: true, state: 'Waiting.ErrImagePull' }, within: START_S }),
      expect({ phase: 'Pending', container: { name: 'c', state: 'Waiting.PodInitializing' }, within: START_S }),
      del(),
      expect({ gone: true, within: 60 }),
    ],
    events: [{ reason: 'Failed', type: 'Warning', object: 'p', within: START_S }],
  },
  {
    name: 'delete-during-init',
    description: 'A pod deleted while its init container `sleep 3600` runs: the init container is killed at the end of the 1 s grace and the pod goes without its app container ever starting.',
    upstream: [],
    containers: [
      { name: 'i', init: true, events: ['pod.hasInitContainers', 'started', 'startup.succeeded', 'exited.error'] },
      { name: 'c', events: ['pod.hasInitContainers'] },
    ],
    pod: `${BIRTH_INIT} pod.deletionRequested Terminating container.exited Failed`,
    steps: [
      pod('p', { terminationGracePeriodSeconds: 1, initContainers: [busybox('i', 'sleep 3600')], containers: [busybox('c', 'sleep 3600')] }),
      expect({ phase: 'Pending', container: { name: 'i', init: true, state: 'Running' }, within: START_S }),
      del(),
      expect({ deleting: true, within: 30 }),
      expect({ gone: true, within: 60 }),
    ],
    events: [{ reason: 'Killing', object: 'p', within: START_S + 60 }],
  },
  {
    name: 'delete-while-mount-fails',
    description: 'A pod whose configMap volume is missing, deleted while the kubelet retries the mount (FailedMount): it goes without any container having run.',
    upstream: [],
    containers: [{ name: 'c', events: [] }],
    pod: 'Pending.unscheduled pod.bound Pending.scheduled pod.admitted Pending.initializing.mountingVolumes pod.volumeMountFailed Pending.initializing.mountBackOff xstate.after.mountRetry.pod.Pending.initializing.mountBackOff Pending.initializing.mountingVolumes pod.volumeMountFailed Pending.initializing.mountBackOff pod.deletionRequested Failed',
    steps: [
      pod('p', { volumes: [{ name: 'conf', configMap: { name: 'conf-missing' } }], containers: [busybox('c', 'sleep 3600', { volumeMounts: [{ name: 'conf', mountPath: '/etc/conf' }] })] }),
      expect({ phase: 'Pending', container: { name: 'c', state: 'Waiting.ContainerCreating' }, within: START_S }),
      { do: { wait: 5 } },
      del(),
      expect({ gone: true, within: 60 }),
    ],
    events: [{ reason: 'FailedMount', type: 'Warning', object: 'p', within: START_S }],
  },
  {
    name: 'poststart-hook-fails',
    description: 'A postStart hook `sh -c "exit 1"`: FailedPostStartHook, the container is killed and waits with PostStartHookError, then restarts under CrashLoopBackOff.',
    upstream: [],
    containers: [{ name: 'c', events: ['started', 'exited.error', 'postStart.failed', 'restart.backOff', 'started', 'exited.error', 'postStart.failed'] }],
    pod: `${BIRTH}`,
    podPartial: 'the pod machine is walked with sample pods that have no hooks, so the edge into Running after a failed postStart is not in its graph',
    steps: [
      pod('p', { terminationGracePeriodSeconds: 1, containers: [busybox('c', 'sleep 3600', { lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 1'] } } } })] }),
      expect({ container: { name: 'c', state: 'Waiting.PostStartHookError' }, within: START_S, optional: true }),
      expect({ container: { name: 'c', state: 'Waiting', restartCountAtLeast: 1 }, within: START_S + 60 }),
    ],
    events: [{ reason: 'FailedPostStartHook', type: 'Warning', object: 'p', within: START_S }],
  },
  {
    name: 'run-container-error',
    description: 'A command whose executable does not exist, under restartPolicy Always: the runtime cannot start it (StartError, exit code 128), RunContainerError, then CrashLoopBackOff.',
    upstream: [],
    containers: [{ name: 'c', events: ['exited.startError', 'run.failed', 'restart.backOff', 'exited.startError', 'run.failed', 'restart.backOff'] }],
    pod: `${BIRTH} container.startFailed Running`,
    steps: [
      pod('p', { containers: [{ name: 'c', image: BUSYBOX, command: ['kubelife-no-such-binary'] }] }),
      expect({ container: { name: 'c', state: 'Terminated.StartError', exitCode: 128 }, within: START_S, optional: true }),
      expect({ container: { name: 'c', state: 'Waiting.RunContainerError' }, within: START_S, optional: true }),
      expect({ container: { name: 'c', state: 'Waiting.CrashLoopBackOff', restartCountAtLeast: 1 }, within: START_S + 60 }),
    ],
    events: [{ reason: 'Failed', type: 'Warning', object: 'p', within: START_S }],
  },
  {
    name: 'start-error-never',
    description: 'A command whose executable does not exist, under restartPolicy Never: Terminated with reason StartError and exit code 128; the pod ends Failed.',
    upstream: [],
    containers: [{ name: 'c', events: ['exited.startError'] }],
    pod: `${BIRTH} container.startFailed Failed`,
    steps: [
      pod('p', { restartPolicy: 'Never', containers: [{ name: 'c', image: BUSYBOX, command: ['kubelife-no-such-binary'] }] }),
      expect({ phase: 'Failed', container: { name: 'c', state: 'Terminated.StartError', exitCode: 128 }, within: START_S }),
    ],
    events: [{ reason: 'Failed', type: 'Warning', object: 'p', within: START_S }],
  },
  {
    name: 'readiness-probe-flips',
    description: 'An exec readiness probe `cat /tmp/ready` on a script that creates the file, then removes it 15 s later: Unready, Ready, then Unready again; never restarted.',
    upstream: [U.readinessDelay],
    containers: [{ name: 'c', events: ['started', 'startup.succeeded', 'readiness.succeeded', 'readiness.failed'] }],
    pod: `${BIRTH} container.started Running`,
    steps: [
      pod('p', { terminationGracePeriodSeconds: 1, containers: [busybox('c', 'touch /tmp/ready; sleep 15; rm /tmp/ready; sleep 3600', { readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 } })] }),
      expect({ container: { name: 'c', state: 'Running.Unready' }, within: START_S, optional: true }),
      expect({ phase: 'Running', container: { name: 'c', state: 'Running.Ready' }, condition: { type: 'Ready', status: 'True' }, within: START_S }),
      expect({ container: { name: 'c', state: 'Running.Unready', restartCountAtLeast: 0 }, condition: { type: 'Ready', status: 'False' }, after: 15, within: START_S + 30 }),
    ],
    events: [{ reason: 'Unhealthy', type: 'Warning', object: 'p', within: START_S + 30 }],
  },
  {
    name: 'startup-probe',
    description: 'An exec startup probe `cat /tmp/started` on a script that creates the file after 5 s: Running but not started, then started and ready at once (no readiness probe).',
    upstream: [U.startupReady],
    containers: [{ name: 'c', events: ['started', 'startup.succeeded', 'readiness.succeeded'] }],
    pod: `${BIRTH} container.started Running`,
    steps: [
      pod('p', { terminationGracePeriodSeconds: 1, containers: [busybox('c', 'sleep 5; touch /tmp/started; sleep 3600', { startupProbe: { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 60 } })] }),
      expect({ container: { name: 'c', state: 'Running.Starting' }, within: START_S }),
      expect({ container: { name: 'c', state: 'Running.Ready' }, condition: { type: 'Ready', status: 'True' }, after: 5, within: START_S + 30 }),
    ],
    events: [],
  },
  {
    name: 'startup-probe-fails',
    description: 'An exec startup probe `cat /tmp/never` that never passes (failureThreshold 3, period 1 s): the kubelet kills the container (Unhealthy, Killing) and restarts it, never started.',
    upstream: [U.startupFails],
    containers: [{ name: 'c', events: ['started', 'exited.error', 'started', 'exited.error', 'restart.backOff'] }],
    pod: `${BIRTH} container.started Running`,
    steps: [
      pod('p', { terminationGracePeriodSeconds: 1, containers: [busybox('c', 'sleep 600', { startupProbe: { exec: { command: ['cat', '/tmp/never'] }, periodSeconds: 1, failureThreshold: 3 } })] }),
      expect({ container: { name: 'c', state: 'Running.Starting' }, within: START_S }),
      expect({ container: { name: 'c', state: 'Running.Starting', restartCountAtLeast: 1 }, after: 3, within: START_S + 60 }),
    ],
    events: [{ reason: 'Unhealthy', type: 'Warning', object: 'p', within: START_S + 60 }, { reason: 'Killing', object: 'p', within: START_S + 60 }],
  },
  {
    name: 'liveness-probe-restarts',
    description: 'An exec liveness probe `cat /tmp/health` on a script that removes the file after 10 s: the kubelet kills the container (Unhealthy, Killing) and restarts it.',
    upstream: [U.livenessExec],
    containers: [{ name: 'c', events: [...RUN, 'exited.error', ...RUN] }],
    pod: `${BIRTH} container.started Running`,
    steps: [
      pod('p', { terminationGracePeriodSeconds: 1, containers: [busybox('c', 'touch /tmp/health; sleep 10; rm -f /tmp/health; sleep 600', { livenessProbe: { exec: { command: ['cat', '/tmp/health'] }, initialDelaySeconds: 5, periodSeconds: 1, failureThreshold: 1 } })] }),
      expect({ container: { name: 'c', state: 'Running.Ready', restartCountAtLeast: 0 }, within: START_S }),
      expect({ container: { name: 'c', state: 'Running', restartCountAtLeast: 1 }, after: 10, within: START_S + 60 }),
    ],
    events: [{ reason: 'Unhealthy', type: 'Warning', object: 'p', within: START_S + 60 }, { reason: 'Killing', object: 'p', within: START_S + 60 }],
  },
  {
    name: 'oom-killed',
    description: 'busybox `tail /dev/zero` (it buffers the endless line until the kernel kills it) under a 64Mi memory limit and restartPolicy Never: Terminated with reason OOMKilled, exit code 137; the pod ends Failed.',
    upstream: [],
    containers: [{ name: 'c', events: [...RUN, 'exited.oomKilled'] }],
    pod: `${BIRTH} container.started Running container.exited Failed`,
    steps: [
      pod('p', { restartPolicy: 'Never', containers: [busybox('c', 'tail /dev/zero', { resources: { limits: { memory: '64Mi' }, requests: { memory: '64Mi' } } })] }),
      expect({ phase: 'Failed', container: { name: 'c', state: 'Terminated.OOMKilled', exitCode: 137 }, within: START_S }),
    ],
    events: [],
  },
  {
    name: 'graceful-delete-nginx',
    description: 'nginx with a preStop exec hook, deleted: the hook runs, nginx quits on its STOPSIGNAL (SIGQUIT) with exit 0, the pod ends Succeeded and goes.',
    upstream: [U.preStopExec, U.submittedRemoved, U.podLifecycle],
    containers: [{ name: 'c', events: [...RUN, 'exited.completed'] }],
    pod: `${BIRTH} container.started Running pod.deletionRequested Terminating container.exited Succeeded`,
    steps: [
      pod('p', { containers: [{ name: 'c', image: NGINX, lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 1'] } } } }] }),
      expect({ phase: 'Running', container: { name: 'c', state: 'Running.Ready' }, condition: { type: 'Ready', status: 'True' }, within: START_S }),
      del(),
      expect({ deleting: true, within: 30 }),
      expect({ phase: 'Succeeded', container: { name: 'c', state: 'Terminated.Completed', exitCode: 0 }, within: 60 }),
      expect({ gone: true, within: 60 }),
    ],
    events: [{ reason: 'Killing', type: 'Normal', object: 'p', within: START_S + 60 }],
  },
  {
    name: 'pod-os-rejected',
    description: 'spec.os.name windows on a Linux node: the kubelet rejects the pod at admission (PodOSNotSupported) and it ends Failed without running anything.',
    upstream: [U.osRejection],
    containers: [{ name: 'c', events: [] }],
    pod: 'Pending.unscheduled pod.bound Pending.scheduled pod.rejected Failed',
    steps: [
      pod('p', { os: { name: 'windows' }, containers: [{ name: 'c', image: PAUSE }] }),
      expect({ phase: 'Failed', reason: 'PodOSNotSupported', within: START_S }),
    ],
    events: [],
  },
  {
    name: 'unschedulable-node-selector',
    description: 'A nodeSelector no node matches: the scheduler leaves the pod Pending with PodScheduled False (Unschedulable) and records FailedScheduling.',
    upstream: [U.nodeSelectorNotMatching],
    containers: [],
    pod: 'Pending.unscheduled',
    scheduler: ['activeQ --unschedulable--> unschedulablePods (FailedScheduling)'],
    steps: [
      pod('p', { nodeSelector: { 'kubelife.io/no-such-label': 'true' }, containers: [{ name: 'c', image: PAUSE }] }),
      expect({ phase: 'Pending', condition: { type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }, within: 60 }),
    ],
    events: [{ reason: 'FailedScheduling', type: 'Warning', object: 'p', within: 60 }],
  },
  {
    name: 'configmap-deleted-between-runs',
    description: 'A container with an env var from a configMap exits 1 under OnFailure after its configMap was deleted: its restart fails with CreateContainerConfigError.',
    upstream: [],
    containers: [{ name: 'c', events: [...RUN, 'exited.error', 'config.failed'] }],
    pod: `${BIRTH} container.started Running`,
    steps: [
      { do: { create: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conf-env' }, data: { k: 'v' } } } },
      pod('p', { restartPolicy: 'OnFailure', containers: [busybox('c', 'sleep 8; exit 1', { env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'conf-env', key: 'k' } } }] })] }),
      expect({ container: { name: 'c', state: 'Running' }, within: START_S }),
      { do: { delete: { kind: 'ConfigMap', name: 'conf-env' } } },
      expect({ container: { name: 'c', state: 'Waiting.CreateContainerConfigError' }, within: 60 }),
    ],
    events: [],
  },
  {
    name: 'delete-completed-crashloop',
    description: 'busybox `sh -c "exit 0"` under restartPolicy Always crash-loops with Completed runs; deleted while it waits out its back-off, the pod ends Failed (getPhase counts a waiting container as stopped, not succeeded; TerminatePod marks it ContainerStatusUnknown) and goes.',
    upstream: [],
    containers: [{ name: 'c', events: [...RUN, 'exited.completed', ...RUN, 'exited.completed', 'restart.backOff', 'lost'] }],
    pod: `${BIRTH} container.started Running pod.deletionRequested Failed`,
    steps: [
      pod('p', { containers: [busybox('c', 'exit 0')] }),
      expect({ phase: 'Running', container: { name: 'c', state: 'Waiting.CrashLoopBackOff', restartCountAtLeast: 1, exitCode: 0 }, within: START_S }),
      del(),
      expect({ phase: 'Failed', within: 60 }),
      expect({ container: { name: 'c', state: 'Terminated.ContainerStatusUnknown' }, within: 60, optional: true }),
      expect({ gone: true, within: 60 }),
    ],
    events: [{ reason: 'BackOff', type: 'Warning', object: 'p', within: START_S }],
  },
  ...imageChange('image-changed-to-missing', MISSING_IMAGE, ['pull.failed', 'pull.backOff'], 'Waiting.ErrImagePull', 'ErrImagePull: a registry that does not exist'),
  ...imageChange('image-changed-to-invalid-name', 'kubelife/Invalid_Name:1.0', ['image.invalid'], 'Waiting.InvalidImageName', 'InvalidImageName: a reference that does not parse'),
  {
    name: 'image-update-nginx',
    description: `nginx ${NGINX} patched to ${NGINX_NEXT} while it serves: the kubelet kills it ("definition changed, will be restarted"; nginx quits on SIGQUIT with exit 0), pulls ${NGINX_NEXT} and starts it: one restart, the pod Running throughout.`,
    upstream: [U.podUpdated],
    containers: [{ name: 'c', events: [...RUN, 'exited.completed', ...RUN] }],
    pod: `${BIRTH} container.started Running`,
    steps: [
      pod('p', { containers: [{ name: 'c', image: NGINX }] }),
      expect({ phase: 'Running', container: { name: 'c', state: 'Running.Ready', restartCountAtLeast: 0 }, within: START_S }),
      setImage(NGINX_NEXT),
      expect({ container: { name: 'c', state: 'Terminated.Completed', exitCode: 0 }, within: 60, optional: true }),
      expect({ phase: 'Running', container: { name: 'c', state: 'Running.Ready', restartCountAtLeast: 1 }, within: START_S }),
    ],
    events: [
      { reason: 'Killing', type: 'Normal', object: 'p', messageContains: definitionChanged('c'), within: START_S + 60 },
      { reason: 'Pulling', type: 'Normal', object: 'p', messageContains: NGINX_NEXT, within: START_S * 2 },
      { reason: 'Pulled', type: 'Normal', object: 'p', messageContains: NGINX_NEXT, within: START_S * 2 },
    ],
  },
  {
    name: 'image-changed-to-pause',
    description: `busybox's own shell kept open by stdin (no command: the image's \`sh\`) patched to ${PAUSE}: the kubelet kills it ("definition changed"; \`sh\` as PID 1 ignores SIGTERM, so SIGKILL after the 1 s grace, exit 137) and starts pause's own entrypoint: Running, one restart.`,
    upstream: [U.podUpdated],
    containers: [{ name: 'c', events: [...RUN, 'exited.error', ...RUN] }],
    pod: `${BIRTH} container.started Running`,
    steps: [
      pod('p', { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: BUSYBOX, stdin: true }] }),
      expect({ phase: 'Running', container: { name: 'c', state: 'Running.Ready', restartCountAtLeast: 0 }, within: START_S }),
      setImage(PAUSE),
      expect({ container: { name: 'c', state: 'Terminated.Error', exitCode: 137 }, within: 60, optional: true }),
      expect({ phase: 'Running', container: { name: 'c', state: 'Running.Ready', restartCountAtLeast: 1 }, within: START_S }),
    ],
    events: [{ reason: 'Killing', type: 'Normal', object: 'p', messageContains: definitionChanged('c'), within: START_S + 60 }, { reason: 'Pulled', type: 'Normal', object: 'p', messageContains: PAUSE, within: START_S * 2 }],
  },
  {
    name: 'image-changed-to-image-without-shell',
    description: `busybox \`sh -c "sleep 3600"\` patched to ${PAUSE}, which has no \`sh\`: the kubelet kills the running container ("definition changed") and starts the new image with the same command, which cannot start (StartError, exit code 128), then RunContainerError and CrashLoopBackOff.`,
    upstream: [U.podUpdated],
    containers: [{ name: 'c', events: [...RUN, 'exited.error', 'exited.startError', 'run.failed', 'restart.backOff'] }],
    pod: `${BIRTH} container.started Running`,
    steps: [
      pod('p', { terminationGracePeriodSeconds: 1, containers: [busybox('c', 'sleep 3600')] }),
      expect({ phase: 'Running', container: { name: 'c', state: 'Running.Ready', restartCountAtLeast: 0 }, within: START_S }),
      setImage(PAUSE),
      expect({ container: { name: 'c', state: 'Terminated.StartError', exitCode: 128 }, within: START_S, optional: true }),
      expect({ phase: 'Running', container: { name: 'c', state: 'Waiting.CrashLoopBackOff', restartCountAtLeast: 1 }, within: START_S + 60 }),
    ],
    events: [{ reason: 'Killing', type: 'Normal', object: 'p', messageContains: definitionChanged('c'), within: START_S + 60 }, { reason: 'Failed', type: 'Warning', object: 'p', within: START_S + 60 }],
  },
  ...imageFixed('never', ['exited.startError'], 'container.startFailed Failed', [
    expect({ phase: 'Failed', container: { name: 'c', state: 'Terminated.StartError', exitCode: 128 }, within: START_S }),
  ]),
  ...imageFixed('always', ['exited.startError', 'run.failed', 'restart.backOff'], 'container.startFailed Running', [
    expect({ container: { name: 'c', state: 'Terminated.StartError', exitCode: 128 }, within: START_S, optional: true }),
    expect({ container: { name: 'c', state: 'Waiting.CrashLoopBackOff', restartCountAtLeast: 1 }, within: START_S + 60 }),
  ]),
];

/**
 * A running container whose image is changed (a JSON patch, as `kubectl set image` does): the
 * kubelet kills it at once ("definition changed, will be restarted"; `sh` as PID 1 ignores SIGTERM,
 * so SIGKILL after the 1 s grace: Error, 137) and starts the new image, whatever the restart
 * policy; here the new image cannot be pulled or named, so the container waits.
 */
function imageChange(name: string, image: string, events: ContainerEventType[], state: string, what: string): Recipe[] {
  return [{
    name,
    description: `A running busybox \`sh -c "sleep 3600"\` (OnFailure) whose image is patched to ${image}: the kubelet kills it ("definition changed") and its start with the new image fails with ${what}.`,
    upstream: [U.podUpdated],
    containers: [{ name: 'c', events: [...RUN, 'exited.error', ...events] }],
    pod: `${BIRTH} container.started Running`,
    steps: [
      pod('p', { restartPolicy: 'OnFailure', terminationGracePeriodSeconds: 1, containers: [busybox('c', 'sleep 3600')] }),
      expect({ container: { name: 'c', state: 'Running' }, within: START_S }),
      setImage(image),
      expect({ container: { name: 'c', state }, within: 60 }),
    ],
    events: [{ reason: 'Killing', type: 'Normal', object: 'p', messageContains: definitionChanged('c'), within: START_S + 60 }],
  }];
}

/**
 * A container created with an image that does not exist and a command that exists in no image
 * (command is immutable, so it is there from the start): ErrImagePull, ImagePullBackOff; its image
 * fixed to busybox, the kubelet starts it at once (the pull back-off is keyed by the image) and the
 * runtime cannot exec the command: StartError, exit code 128.
 */
function imageFixed(policy: 'never' | 'always', events: ContainerEventType[], podEnd: string, end: ReturnType<typeof expect>[]): Recipe[] {
  const restartPolicy = policy === 'never' ? 'Never' : 'Always';
  return [{
    name: `image-fixed-command-missing-${policy}`,
    description: `A container with image ${MISSING_IMAGE} and command \`/no/such/binary\` (restartPolicy ${restartPolicy}) waits in ImagePullBackOff; its image patched to busybox, it starts at once and fails: StartError (exit code 128), ${policy === 'never' ? 'the pod Failed' : 'then RunContainerError and CrashLoopBackOff'}.`,
    upstream: [U.podUpdated],
    containers: [{ name: 'c', events: ['pull.failed', 'pull.backOff', ...events] }],
    pod: `${BIRTH} container.pullFailed Pending.creatingContainers.waiting ${podEnd}`,
    steps: [
      pod('p', { restartPolicy, containers: [{ name: 'c', image: MISSING_IMAGE, command: ['/no/such/binary'] }] }),
      expect({ phase: 'Pending', container: { name: 'c', state: 'Waiting.ImagePullBackOff' }, within: START_S }),
      setImage(BUSYBOX),
      ...end,
    ],
    events: [{ reason: 'BackOff', object: 'p', within: START_S }, { reason: 'Failed', type: 'Warning', object: 'p', messageContains: '/no/such/binary', within: START_S * 2 }],
  }];
}
