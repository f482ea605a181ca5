/**
 * The shell interpreter as a container's main process (timelines: output, exit, files, repeats)
 * and as exec probes/hooks (a command at a moment of the container's life). Property tests check
 * simple command lists and sleep loops against an oracle written here from POSIX's rules; fast-
 * check prints the seed and the shrunk counterexample on failure (replay with FC_SEED=<seed>).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BUSYBOX_SHELLS, DEBIAN_SHELLS, evalCommand, evalScript, MAX_LINES, runProcess, runShellScript, type ShellContext,
} from '../../../machines/kubelet/shell.ts';
import { fileExists, outputBetween } from '../../../machines/kubelet/process.ts';
import type { ContainerBehaviour } from '../../../machines/kubelet/behaviour.ts';

const SEED = Number(process.env['FC_SEED'] ?? 4_2024);
const sh = (script: string, ctx?: ShellContext) => runShellScript(script, ctx);
const lines = (b: ContainerBehaviour) => (b.output?.lines ?? []).map((l) => `${l.atMs}:${l.line}`);

describe('sh -c as the main process', () => {
  it('echo writes at that moment, sleep advances time, exit ends the process with its code', () => {
    const b = sh('echo hello; sleep 5; exit 3');
    expect(lines(b)).toEqual(['0:hello']);
    expect(b).toMatchObject({ exitAfterMs: 5000, exitCode: 3, ignoresSigterm: true });
    expect(sh('sleep 2')).toMatchObject({ exitAfterMs: 2000, exitCode: 0 });
    expect(sh('sleep 0.25; echo a; sleep 1.5; echo b')).toMatchObject({ exitAfterMs: 1750, output: { lines: [{ atMs: 250, line: 'a' }, { atMs: 1750, line: 'b' }] } });
    expect(sh('sleep 1m').exitAfterMs).toBe(60_000);
    expect(sh('sleep 1 2').exitAfterMs).toBe(3000);
  });

  it('runs forever on sleep infinity, tail -f and an endless loop', () => {
    for (const s of ['sleep infinity', 'echo up; sleep infinity', 'tail -f /dev/null', 'while true; do sleep 1; done']) {
      const b = sh(s);
      expect(b.exitAfterMs, s).toBeUndefined();
      expect(b.exitCode, s).toBeUndefined();
    }
  });

  it('the script ends with the status of its last command', () => {
    expect(sh('true').exitCode).toBe(0);
    expect(sh('false').exitCode).toBe(1);
    expect(sh('echo x; false').exitCode).toBe(1);
    expect(sh('false; true').exitCode).toBe(0);
    expect(sh('exit 300').exitCode).toBe(44);
    expect(sh('false; exit').exitCode).toBe(1);
  });

  it('&& runs on success, || on failure, left to right', () => {
    expect(lines(sh('true && echo a || echo b'))).toEqual(['0:a']);
    expect(lines(sh('false && echo a || echo b'))).toEqual(['0:b']);
    expect(sh('sleep 1 && exit 4 || exit 5')).toMatchObject({ exitAfterMs: 1000, exitCode: 4 });
    expect(sh('false || false && echo never; echo $?').output?.lines.map((l) => l.line)).toEqual(['1']);
  });

  it('an unknown command is "not found", status 127, and the script goes on after ;', () => {
    const b = sh('nosuchcmd; echo after');
    expect(lines(b)).toEqual(['0:sh: nosuchcmd: not found', '0:after']);
    expect(b.exitCode).toBe(0);
    expect(sh('nosuchcmd').exitCode).toBe(127);
    expect(sh('nosuchcmd && echo no').exitCode).toBe(127);
    // The message names the shell as invoked, in its own format.
    expect(lines(runProcess(['/bin/sh', '-c', 'foo']))).toEqual(['0:/bin/sh: foo: not found']);
    expect(lines(runProcess(['sh', '-c', 'foo'], { shells: DEBIAN_SHELLS, utilities: 'coreutils' }))).toEqual(['0:sh: 1: foo: not found']);
    expect(lines(runProcess(['bash', '-c', 'echo x\nfoo'], { shells: DEBIAN_SHELLS, utilities: 'coreutils' }))).toEqual(['0:x', '0:bash: line 2: foo: command not found']);
  });

  it('while true loops become a repeated output block', () => {
    const b = sh('while true; do echo tick; sleep 5; done');
    expect(b.output).toEqual({ lines: [{ atMs: 0, line: 'tick' }], repeat: { fromMs: 5000, periodMs: 5000, lines: [{ offsetMs: 0, line: 'tick' }] } });
    expect(outputBetween(b.output, 0, 20_000).map((l) => l.atMs)).toEqual([0, 5000, 10_000, 15_000, 20_000]);
    // A loop after a prefix; two lines a pass.
    const c = sh('echo start; while :; do echo a; sleep 1; echo b; sleep 2; done');
    expect(outputBetween(c.output, 0, 6000).map((l) => `${l.atMs}:${l.line}`)).toEqual(['0:start', '0:a', '1000:b', '3000:a', '4000:b', '6000:a']);
    expect(c.exitAfterMs).toBeUndefined();
    // A loop that never sleeps spins forever at one instant: its first pass is written.
    expect(sh('while true; do echo spin; done').output?.lines.map((l) => l.line)).toEqual(['spin']);
  });

  it('for and until loops, if, variables and arithmetic', () => {
    expect(lines(sh('for i in 1 2 3; do echo "n=$i"; sleep 0.5; done'))).toEqual(['0:n=1', '500:n=2', '1000:n=3']);
    expect(sh('for i in 1 2 3; do sleep 1; done').exitAfterMs).toBe(3000);
    expect(lines(sh('for i in $(seq 1 3); do echo $i; done'))).toEqual(['0:1', '0:2', '0:3']);
    expect(lines(sh('i=0; until [ $i -ge 3 ]; do i=$((i+1)); echo $i; sleep 1; done'))).toEqual(['0:1', '1000:2', '2000:3']);
    expect(lines(sh('if [ -f /tmp/x ]; then echo yes; elif true; then echo elif; else echo no; fi'))).toEqual(['0:elif']);
    expect(lines(sh('X=a; echo "${X}b ${Y:-dflt} $((2*3+1)) ${#X}"'))).toEqual(['0:ab dflt 7 1']);
    expect(lines(sh('for i in 1 2 3 4; do [ $i = 3 ] && break; echo $i; done'))).toEqual(['0:1', '0:2']);
    // A counter never returns to an earlier state: the loop is unrolled up to the budget, then its last pass repeats.
    const counter = sh('i=0; while true; do echo "$i"; i=$((i+1)); sleep 1; done');
    expect(counter.output?.lines.slice(0, 3).map((l) => l.line)).toEqual(['0', '1', '2']);
    expect(counter.output?.lines.length).toBe(MAX_LINES);
    expect(counter.output?.repeat?.periodMs).toBe(1000);
  });

  it('touch and rm give exec probes their files over time', () => {
    const b = sh('touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600');
    expect(b.files).toEqual([{ path: '/tmp/healthy', fromMs: 0, untilMs: 30_000 }]);
    expect(b).toMatchObject({ exitAfterMs: 630_000, exitCode: 0 });
    expect(fileExists(b, '/tmp/healthy', 29_999)).toBe(true);
    expect(fileExists(b, '/tmp/healthy', 30_000)).toBe(false);
    // A loop toggling a file: the intervals are unrolled.
    const t = sh('while true; do touch /tmp/up; sleep 5; rm /tmp/up; sleep 5; done');
    expect(t.files?.slice(0, 2)).toEqual([{ path: '/tmp/up', fromMs: 0, untilMs: 5000 }, { path: '/tmp/up', fromMs: 10_000, untilMs: 15_000 }]);
    expect(fileExists(t, '/tmp/up', 3_600_000 + 1000)).toBe(true);
    expect(fileExists(t, '/tmp/up', 3_600_000 + 6000)).toBe(false);
    // Redirections create files; cat reads what was written.
    expect(lines(sh('echo ready > /tmp/r; cat /tmp/r; rm /tmp/nope; echo $?'))).toEqual(['0:ready', "0:rm: can't remove '/tmp/nope': No such file or directory", '0:1']);
  });

  it('redirections, pipes, subshells, set -e, set -x', () => {
    expect(lines(sh('echo hidden > /dev/null; echo err >&2; echo both 2>&1'))).toEqual(['0:err', '0:both']);
    expect(sh('(exit 3); echo $?').output?.lines.map((l) => l.line)).toEqual(['3']);
    expect(sh('set -e; false; echo never')).toMatchObject({ exitCode: 1, exitAfterMs: 0 });
    expect(sh('set -e; false || true; echo ok').output?.lines.map((l) => l.line)).toEqual(['ok']);
    expect(lines(sh('set -x; echo hi'))).toEqual(['0:+ echo hi', '0:hi']);
    expect(lines(sh('echo a | cat; ! true; echo $?'))).toEqual(['0:a', '0:1']);
    expect(lines(sh('echo saved | tee /tmp/t > /dev/null; cat /tmp/t'))).toEqual(['0:saved']);
  });

  it('background jobs run alongside; wait joins them', () => {
    const b = sh('sleep 3 & echo started; wait; echo joined');
    expect(lines(b)).toEqual(['0:started', '3000:joined']);
    expect(b.exitAfterMs).toBe(3000);
    const bg = sh('while true; do echo bg; sleep 1; done & sleep 2; exit 7');
    expect(bg).toMatchObject({ exitAfterMs: 2000, exitCode: 7 });
    expect(bg.output?.lines.map((l) => l.atMs)).toEqual([0, 1000, 2000]);
  });

  it('syntax errors exit 2 with the shell\'s message', () => {
    expect(sh('for i in 1 2; do')).toMatchObject({ exitCode: 2, output: { lines: [{ line: 'sh: syntax error: unexpected end of file (expecting "done")' }] } });
    expect(sh('while true; do done')).toMatchObject({ exitCode: 2, output: { lines: [{ line: 'sh: syntax error: unexpected "done"' }] } });
    expect(sh('echo "open')).toMatchObject({ exitCode: 2, output: { lines: [{ line: 'sh: syntax error: unterminated quoted string' }] } });
  });

  it('sh with no -c reads stdin: /dev/null ends it at once, an open stdin keeps it', () => {
    expect(runProcess(['sh'])).toMatchObject({ exitAfterMs: 0, exitCode: 0 });
    expect(runProcess(['sh'], { stdinOpen: true }).exitAfterMs).toBeUndefined();
    expect(runProcess(['sh', '/scripts/run.sh'])).toMatchObject({ exitCode: 2, output: { lines: [{ line: "sh: can't open '/scripts/run.sh': No such file or directory" }] } });
    // A script from a mounted volume: its content is unknown, so it runs on.
    expect(runProcess(['sh', '/scripts/run.sh'], { mounts: ['/scripts'] }).exitAfterMs).toBeUndefined();
    expect(runProcess(['sh', '-c', 'echo "$0 $1 $#"', 'me', 'a'])).toMatchObject({ output: { lines: [{ line: 'me a 1' }] } });
  });
});

describe('direct argv (no shell)', () => {
  it('runs the utility as PID 1', () => {
    expect(runProcess(['sleep', '3600'])).toEqual({ exitAfterMs: 3_600_000, exitCode: 0, ignoresSigterm: true });
    expect(runProcess(['echo', 'hi'])).toMatchObject({ exitAfterMs: 0, exitCode: 0, output: { lines: [{ atMs: 0, line: 'hi' }] } });
    expect(runProcess(['true'])).toMatchObject({ exitAfterMs: 0, exitCode: 0 });
    expect(runProcess(['false'])).toMatchObject({ exitAfterMs: 0, exitCode: 1 });
    expect(runProcess(['/bin/sleep', '2'])).toMatchObject({ exitAfterMs: 2000 });
  });

  it('an executable that does not exist cannot start: exit 128 at once, nothing logged', () => {
    expect(runProcess(['nope'])).toEqual({
      exitAfterMs: 0, exitCode: 128, ignoresSigterm: true,
      startError: 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown',
    });
    expect(runProcess(['/app/server']).startError).toMatch(/exec: "\/app\/server": stat \/app\/server: no such file or directory: unknown$/);
    // `exit` is a shell builtin, not a file: the runtime cannot exec it.
    expect(runProcess(['exit', '1'])).toMatchObject({ exitCode: 128 });
    // An image without utilities has no sleep.
    expect(runProcess(['sleep', '1'], { shells: {}, utilities: 'none' })).toMatchObject({ exitCode: 128 });
  });

  it('PID 1 handles SIGTERM its own way when a shell execs a program', () => {
    const nginx: ContainerBehaviour = { http: [{ port: 80, code: 200 }], termExitCode: 0 };
    const ctx: ShellContext = { program: (argv) => (argv[0] === 'nginx' ? nginx : undefined) };
    const exec = runProcess(['sh', '-c', 'echo starting; exec nginx -g "daemon off;"'], ctx);
    expect(exec).toMatchObject({ termExitCode: 0, http: [{ port: 80, code: 200, fromMs: 0 }], output: { lines: [{ line: 'starting' }] } });
    expect(exec.ignoresSigterm).toBeUndefined();
    // The last command of -c is exec'd too; not when more follows.
    expect(runProcess(['sh', '-c', 'sleep 2; nginx'], ctx)).toMatchObject({ termExitCode: 0, http: [{ port: 80, fromMs: 2000 }] });
    const child = runProcess(['sh', '-c', 'nginx; echo never'], ctx);
    expect(child).toMatchObject({ ignoresSigterm: true, http: [{ port: 80 }] });
    expect(child.termExitCode).toBeUndefined();
  });
});

describe('exec probes and hooks', () => {
  const facts = { files: [{ path: '/tmp/healthy', fromMs: 0, untilMs: 30_000 }], http: [{ port: 8080, path: '/healthz', code: 200 }], tcpPorts: [6379] };

  it('see the files of the moment', () => {
    expect(evalCommand(['cat', '/tmp/healthy'], facts, 1000)).toEqual({ exitCode: 0, output: '' });
    expect(evalCommand(['cat', '/tmp/healthy'], facts, 31_000)).toEqual({ exitCode: 1, output: "cat: can't open '/tmp/healthy': No such file or directory\n" });
    expect(evalCommand(['test', '-f', '/tmp/healthy'], facts, 29_999).exitCode).toBe(0);
    expect(evalScript('[ -e /tmp/healthy ] || exit 9', facts, 40_000).exitCode).toBe(9);
  });

  it('report how long they took (a preStop `sleep 5`), Infinity for one that never ends', () => {
    expect(evalCommand(['sleep', '5'], {}, 0)).toEqual({ exitCode: 0, output: '', durationMs: 5000 });
    expect(evalCommand(['sh', '-c', 'sleep 1; echo done'], {}, 0)).toEqual({ exitCode: 0, output: 'done\n', durationMs: 1000 });
    expect(evalCommand(['sh', '-c', 'while true; do sleep 1; done'], {}, 0).durationMs).toBe(Infinity);
    // Files the probe's command sees move with its own sleeps.
    expect(evalScript('sleep 2; cat /tmp/healthy', facts, 29_000).exitCode).toBe(1);
  });

  it('answer localhost tools from the container\'s ports', () => {
    expect(evalCommand(['wget', '-q', '-O-', 'http://localhost:8080/healthz'], facts, 0).exitCode).toBe(0);
    expect(evalCommand(['wget', '-q', '-O-', 'http://localhost:8080/other'], facts, 0)).toEqual({ exitCode: 1, output: 'wget: server returned error: HTTP/1.1 404 Not Found\n' });
    expect(evalCommand(['wget', 'http://127.0.0.1:9999/'], facts, 0).exitCode).toBe(1);
    expect(evalCommand(['curl', '-f', 'http://localhost:8080/x'], facts, 0).exitCode).toBe(22);
    expect(evalCommand(['curl', 'http://localhost:8080/x'], facts, 0).exitCode).toBe(0);
    expect(evalCommand(['curl', '-s', 'http://localhost:81/'], facts, 0)).toEqual({ exitCode: 7, output: '' });
    expect(evalCommand(['redis-cli', 'ping'], facts, 0)).toEqual({ exitCode: 0, output: 'PONG\n' });
    expect(evalCommand(['redis-cli', '-p', '6380', 'ping'], facts, 0).exitCode).toBe(1);
    expect(evalCommand(['pg_isready'], facts, 0)).toEqual({ exitCode: 2, output: '/var/run/postgresql:5432 - no response\n' });
    expect(evalCommand(['nc', '-z', 'localhost', '6379'], facts, 0).exitCode).toBe(0);
    // Anyone else (a Service, DNS): kubelife has no packets inside containers; it succeeds.
    expect(evalCommand(['nslookup', 'my-service'], facts, 0).exitCode).toBe(0);
  });

  it('use the image\'s context a behaviour carries', () => {
    const b: ContainerBehaviour = { execContext: { shells: DEBIAN_SHELLS, utilities: 'coreutils', files: { '/etc/nginx/nginx.conf': 'user nginx;\n' } } };
    expect(evalCommand(['cat', '/etc/nginx/nginx.conf'], b, 0)).toEqual({ exitCode: 0, output: 'user nginx;\n' });
    expect(evalCommand(['cat', '/nope'], b, 0)).toEqual({ exitCode: 1, output: 'cat: /nope: No such file or directory\n' });
    expect(evalCommand(['sh', '-c', 'nope'], b, 0)).toEqual({ exitCode: 127, output: 'sh: 1: nope: not found\n' });
    // No redis-cli in an nginx image.
    expect(evalCommand(['redis-cli', 'ping'], b, 0).exitCode).toBe(127);
    const withEnv: ContainerBehaviour = { execContext: { shells: BUSYBOX_SHELLS, env: { X: 'from-env' } } };
    expect(evalCommand(['sh', '-c', 'echo $X'], withEnv, 0).output).toBe('from-env\n');
  });
});

// ---------------------------------------------------------------------------------------------
// Properties, against an oracle written from POSIX's rules for simple lists.

type Cmd = { k: 'echo'; w: string } | { k: 'sleep'; ms: number } | { k: 'exit'; n: number } | { k: 'true' } | { k: 'false' };
type Item = { op: ';' | '&&' | '||'; cmd: Cmd };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/).map((w) => ({ k: 'echo' as const, w })),
  fc.integer({ min: 0, max: 40 }).map((n) => ({ k: 'sleep' as const, ms: n * 250 })),
  fc.integer({ min: 0, max: 255 }).map((n) => ({ k: 'exit' as const, n })),
  fc.constant({ k: 'true' as const }),
  fc.constant({ k: 'false' as const }),
);
const itemsArb = fc.array(fc.record({ op: fc.constantFrom<';' | '&&' | '||'>(';', '&&', '||'), cmd: cmdArb }), { minLength: 1, maxLength: 12 });

const render = (c: Cmd) => (c.k === 'echo' ? `echo ${c.w}` : c.k === 'sleep' ? `sleep ${c.ms / 1000}` : c.k === 'exit' ? `exit ${c.n}` : c.k);
const script = (items: Item[]) => items.map((it, i) => (i === 0 ? render(it.cmd) : ` ${it.op} ${render(it.cmd)}`)).join('');

/** Left to right; && and || skip on the previous status, which a skip leaves as it was; exit stops. */
function oracle(items: Item[]): { lines: string[]; exitAfterMs: number; exitCode: number } {
  let t = 0;
  let status = 0;
  const out: string[] = [];
  for (const [i, { op, cmd }] of items.entries()) {
    if (i > 0 && op === '&&' && status !== 0) continue;
    if (i > 0 && op === '||' && status === 0) continue;
    switch (cmd.k) {
      case 'echo': out.push(`${t}:${cmd.w}`); status = 0; break;
      case 'sleep': t += cmd.ms; status = 0; break;
      case 'true': status = 0; break;
      case 'false': status = 1; break;
      case 'exit': return { lines: out, exitAfterMs: t, exitCode: cmd.n };
    }
  }
  return { lines: out, exitAfterMs: t, exitCode: status };
}

describe('properties', () => {
  it('a list of echo/sleep/exit/true/false joined by ; && || matches the oracle', () => {
    fc.assert(fc.property(itemsArb, (items) => {
      const b = sh(script(items));
      const want = oracle(items);
      expect(lines(b)).toEqual(want.lines);
      expect(b.exitAfterMs).toBe(want.exitAfterMs);
      expect(b.exitCode).toBe(want.exitCode);
    }), { seed: SEED, numRuns: 300 });
  });

  it('while true over echo and sleep repeats its pass forever, period = the sleeps', () => {
    const bodyArb = fc.array(fc.oneof(
      fc.stringMatching(/^[a-z]{1,5}$/).map((w) => ({ k: 'echo' as const, w })),
      fc.integer({ min: 1, max: 8 }).map((n) => ({ k: 'sleep' as const, ms: n * 500 })),
    ), { minLength: 1, maxLength: 6 }).filter((b) => b.some((c) => c.k === 'sleep'));
    fc.assert(fc.property(bodyArb, fc.integer({ min: 1, max: 5 }), (body, passes) => {
      const b = sh(`while true; do ${body.map(render).join('; ')}; done`);
      const period = body.reduce((s, c) => s + (c.k === 'sleep' ? c.ms : 0), 0);
      const want: string[] = [];
      for (let p = 0; p <= passes; p++) {
        let t = p * period;
        for (const c of body) {
          if (c.k === 'echo' && t < passes * period) want.push(`${t}:${c.w}`);
          else if (c.k === 'sleep') t += c.ms;
        }
      }
      const got = outputBetween(b.output, 0, passes * period - 1).map((l) => `${l.atMs}:${l.line}`);
      expect(got).toEqual(want);
      expect(b.exitAfterMs).toBeUndefined();
      expect(b.ignoresSigterm).toBe(true);
    }), { seed: SEED, numRuns: 200 });
  });

  it('is deterministic: the same script gives the same timeline', () => {
    fc.assert(fc.property(itemsArb, (items) => {
      expect(sh(script(items))).toEqual(sh(script(items)));
    }), { seed: SEED, numRuns: 50 });
  });
});
