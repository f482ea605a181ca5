/**
 * agnhost subcommands as their sources (kubernetes test/images/agnhost) define them, alone and as
 * a container through the image catalog (ENTRYPOINT ["/agnhost"], CMD ["pause"]).
 */
import { describe, expect, it } from 'vitest';
import { agnhostBehaviour, agnhostHelp, GO_PID1_TERM_EXIT_CODE } from '../../../machines/kubelet/agnhost.ts';
import { behaviourFor, outputPlanOf, type ContainerBehaviour } from '../../../machines/kubelet/behaviour.ts';
import { httpAnswer, tcpOpen } from '../../../machines/kubelet/process.ts';
import type { Container, Pod } from '../../../src/api/objects.ts';

const AGNHOST = 'registry.k8s.io/e2e-test-images/agnhost:2.53';
/** What the container writes, however the behaviour carries it (logs sugar or timed output). */
const written = (b: ContainerBehaviour) => outputPlanOf(b)?.lines.map((l) => l.line) ?? [];
const pod = (c: Partial<Container>): { pod: Pod; c: Container } => {
  const container = { name: 'app', image: AGNHOST, ...c } as Container;
  return { pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'agn', namespace: 'default' }, spec: { containers: [container] } } as Pod, c: container };
};

describe('agnhost pause', () => {
  it('prints Paused, runs until stopped, exits 2 on SIGTERM', () => {
    const b = agnhostBehaviour(['pause']);
    expect(b).toEqual({ logs: ['Paused'], termExitCode: 2 });
    expect(b.exitAfterMs).toBeUndefined();
  });

  it('is the image\'s default command', () => {
    const { pod: p, c } = pod({});
    const b = behaviourFor(p, c);
    expect(written(b)).toEqual(['Paused']);
    expect(b).toMatchObject({ termExitCode: 2, runAsUser: 0 });
    expect(b.ignoresSigterm).toBeUndefined();
    expect(b.exitAfterMs).toBeUndefined();
  });
});

describe('agnhost netexec', () => {
  it('serves HTTP on 8080: every path 200, /healthz 200 once the UDP server is up', () => {
    const b = agnhostBehaviour(['netexec']);
    expect(b.logs).toEqual(['Started HTTP server on port 8080', 'Started UDP server on port  8081']);
    expect(httpAnswer(b, 8080, '/healthz', 0)).toBe(200);
    expect(httpAnswer(b, 8080, '/', 0)).toBe(200);
    expect(httpAnswer(b, 8080, '/hostname', 0)).toBe(200);
    expect(httpAnswer(b, 8080, '/anything/else', 0)).toBe(200);
    expect(httpAnswer(b, 80, '/', 0)).toBeUndefined();
    expect(b.termExitCode).toBe(GO_PID1_TERM_EXIT_CODE);
  });

  it('takes --http-port in both flag forms; without UDP (and SCTP) /healthz is 412', () => {
    expect(httpAnswer(agnhostBehaviour(['netexec', '--http-port=9000']), 9000, '/', 0)).toBe(200);
    expect(httpAnswer(agnhostBehaviour(['netexec', '--http-port', '9001']), 9001, '/', 0)).toBe(200);
    const noUdp = agnhostBehaviour(['netexec', '--udp-port=-1']);
    expect(httpAnswer(noUdp, 8080, '/healthz', 0)).toBe(412);
    expect(httpAnswer(noUdp, 8080, '/', 0)).toBe(200);
    expect(httpAnswer(agnhostBehaviour(['netexec', '--udp-port=-1', '--sctp-port=8082']), 8080, '/healthz', 0)).toBe(200);
    // klog's persistent flags are accepted anywhere.
    expect(agnhostBehaviour(['--v=2', 'netexec']).logs?.[0]).toBe('Started HTTP server on port 8080');
  });

  it('comes from the container args', () => {
    const { pod: p, c } = pod({ args: ['netexec', '--http-port=8080', '--udp-port=8081'] });
    const b = behaviourFor(p, c);
    expect(httpAnswer(b, 8080, '/healthz', 60_000)).toBe(200);
    expect(written(b)).toEqual(['Started HTTP server on port 8080', 'Started UDP server on port  8081']);
  });
});

describe('agnhost serve-hostname', () => {
  it('serves HTTP on 9376; on SIGTERM it sleeps 60 s, so the default grace ends in SIGKILL', () => {
    const b = agnhostBehaviour(['serve-hostname']);
    expect(b).toMatchObject({ logs: ['Serving on port 9376.'], termExitAfterMs: 60_000, termExitCode: 0 });
    expect(httpAnswer(b, 9376, '/', 0)).toBe(200);
    expect(httpAnswer(agnhostBehaviour(['serve-hostname', '--port=9999']), 9999, '/', 0)).toBe(200);
  });

  it('serves raw TCP with --http=false --tcp; --tcp with HTTP on is fatal', () => {
    const tcp = agnhostBehaviour(['serve-hostname', '--http=false', '--tcp']);
    expect(tcpOpen(tcp, 9376, 0)).toBe(true);
    expect(httpAnswer(tcp, 9376, '/', 0)).toBeUndefined();
    expect(agnhostBehaviour(['serve-hostname', '--tcp'])).toEqual({ logs: ["Can't server TCP/UDP mode and HTTP mode at the same time"], exitAfterMs: 0, exitCode: 1 });
  });
});

describe('agnhost liveness', () => {
  it('answers /healthz 200 for the first 10 s (10.000 s included), then 500', () => {
    const b = agnhostBehaviour(['liveness']);
    expect(httpAnswer(b, 8080, '/healthz', 0)).toBe(200);
    expect(httpAnswer(b, 8080, '/healthz', 10_000)).toBe(200);
    expect(httpAnswer(b, 8080, '/healthz', 10_001)).toBe(500);
    expect(httpAnswer(b, 8080, '/healthz', 3_600_000)).toBe(500);
    expect(httpAnswer(b, 8080, '/started', 20_000)).toBe(200);
    expect(httpAnswer(b, 8080, '/nope', 0)).toBe(404);
    expect(b.termExitCode).toBe(2);
    expect(b.logs).toBeUndefined();
  });
});

describe('agnhost errors and help', () => {
  it('without a subcommand prints its help and exits 0', () => {
    const { pod: p, c } = pod({ command: ['/agnhost'] });
    const b = behaviourFor(p, c);
    expect(b).toMatchObject({ exitAfterMs: 0, exitCode: 0 });
    expect(written(b)).toEqual(agnhostHelp());
    expect(agnhostHelp()[0]).toBe('Usage:');
  });

  it('an unknown subcommand, flag or argument: cobra\'s error, and exit 0 (main ignores Execute\'s error)', () => {
    expect(agnhostBehaviour(['bogus'])).toEqual({ logs: ['Error: unknown command "bogus" for "app"', "Run 'app --help' for usage."], exitAfterMs: 0, exitCode: 0 });
    expect(agnhostBehaviour(['netexec', '--nope=1'])).toMatchObject({ logs: ['Error: unknown flag: --nope', 'Usage:', '  app netexec [flags]'], exitCode: 0 });
    expect(agnhostBehaviour(['pause', 'extra'])).toMatchObject({ logs: ['Error: accepts at most 0 arg(s), received 1', 'Usage:', '  app pause [flags]'], exitCode: 0 });
    expect(agnhostBehaviour(['netexec', '--http-port=x']).logs?.[0]).toMatch(/^Error: invalid argument "x" for "--http-port" flag/);
  });

  it('subcommands kubelife does not model run until stopped', () => {
    expect(agnhostBehaviour(['porter'])).toEqual({ termExitCode: 2 });
  });

  it('has busybox and bash: a shell command runs in the image', () => {
    const { pod: p, c } = pod({ command: ['/bin/sh', '-c', 'echo hi; exit 4'] });
    expect(behaviourFor(p, c)).toMatchObject({ exitAfterMs: 0, exitCode: 4, output: { lines: [{ atMs: 0, line: 'hi' }] } });
    const bash = pod({ command: ['bash', '-c', 'nope'] });
    expect(behaviourFor(bash.pod, bash.c).output?.lines[0]?.line).toBe('bash: line 1: nope: command not found');
  });
});
