import { describe, expect, it } from 'vitest';
import { fileExists, firstOverLimit, httpAnswer, memoryAt, outputBetween, probeOverrideAt, tcpOpen } from '../../../machines/kubelet/process.ts';

describe('process facts over time', () => {
  it('reads output lazily, repeated blocks included, only within the window', () => {
    const plan = { lines: [{ atMs: 0, line: 'start' }], repeat: { fromMs: 1000, periodMs: 2000, lines: [{ offsetMs: 0, line: 'tick' }, { offsetMs: 500, line: 'tock' }] } };
    expect(outputBetween(plan, 0, 0)).toEqual([{ atMs: 0, line: 'start' }]);
    expect(outputBetween(plan, 0, 3600).map((l) => `${l.atMs}:${l.line}`)).toEqual(['0:start', '1000:tick', '1500:tock', '3000:tick', '3500:tock']);
    // A window far into an endless loop costs only what it returns.
    expect(outputBetween(plan, 1_000_001_000, 1_000_001_600).map((l) => l.line)).toEqual(['tick', 'tock']);
    expect(outputBetween({ ...plan, repeat: { ...plan.repeat, times: 1 } }, 0, 10_000).map((l) => l.line)).toEqual(['start', 'tick', 'tock']);
    expect(outputBetween(undefined, 0, 10)).toEqual([]);
  });

  it('answers files, HTTP, TCP, memory and probe overrides by time', () => {
    const f = {
      files: [{ path: '/tmp/healthy', fromMs: 0, untilMs: 30_000 }],
      http: [{ port: 8080, path: '/healthz', fromMs: 0, untilMs: 10_001, code: 200 }, { port: 8080, path: '/healthz', fromMs: 10_001, code: 500 }],
      tcpPorts: [5432],
      memoryMiB: [{ atMs: 0, mib: 10 }, { atMs: 5000, mib: 300 }],
    };
    expect(fileExists(f, '/tmp/healthy', 29_999)).toBe(true);
    expect(fileExists(f, '/tmp/healthy', 30_000)).toBe(false);
    expect(httpAnswer(f, 8080, '/healthz', 10_000)).toBe(200);
    expect(httpAnswer(f, 8080, '/healthz', 11_000)).toBe(500);
    expect(httpAnswer(f, 8080, '/other', 0)).toBe(404);
    expect(httpAnswer(f, 9090, '/', 0)).toBeUndefined();
    expect(tcpOpen(f, 5432, 0) && tcpOpen(f, 8080, 0) && !tcpOpen(f, 81, 0)).toBe(true);
    expect(memoryAt(f, 4999)).toBe(10);
    expect(firstOverLimit(f, 256)).toBe(5000);
    expect(firstOverLimit(f, 512)).toBeUndefined();
    expect(probeOverrideAt([{ fromMs: 0, ok: true }, { fromMs: 20_000, ok: false }], 25_000)).toBe(false);
    expect(probeOverrideAt(undefined, 0)).toBeUndefined();
  });
});

describe('HTTP rules', () => {
  it('match a path prefix, or the exact path (query aside) with exact: true', () => {
    const f = { http: [{ port: 80, path: '/', exact: true, code: 200 }, { port: 80, path: '/api', code: 201 }, { port: 80, path: '/index.html', exact: true, code: 200 }] };
    expect(httpAnswer(f, 80, '/', 0)).toBe(200);
    expect(httpAnswer(f, 80, '/?a=1', 0)).toBe(200);
    expect(httpAnswer(f, 80, '/index.html', 0)).toBe(200);
    expect(httpAnswer(f, 80, '/index.html#x', 0)).toBe(200);
    // Prefix rules still match below their path; exact ones do not.
    expect(httpAnswer(f, 80, '/api/v1/things', 0)).toBe(201);
    expect(httpAnswer(f, 80, '/index.html.bak', 0)).toBe(404);
    expect(httpAnswer(f, 80, '/healthz', 0)).toBe(404);
    // A rule without a path matches everything on its port.
    expect(httpAnswer({ http: [{ port: 80, code: 200 }] }, 80, '/anything', 0)).toBe(200);
  });
});

describe('exec commands inside a container', () => {
  it('evaluates the common probe commands against the files of the moment', async () => {
    const { evalCommand, evalScript } = await import('../../../machines/kubelet/shell.ts');
    const f = { files: [{ path: '/tmp/healthy', fromMs: 0, untilMs: 30_000 }] };
    expect(evalCommand(['cat', '/tmp/healthy'], f, 1000).exitCode).toBe(0);
    expect(evalCommand(['cat', '/tmp/healthy'], f, 31_000)).toEqual({ exitCode: 1, output: "cat: can't open '/tmp/healthy': No such file or directory\n" });
    expect(evalCommand(['sh', '-c', 'test -e /tmp/healthy && echo ok || echo gone'], f, 0)).toEqual({ exitCode: 0, output: 'ok\n' });
    expect(evalCommand(['sh', '-c', 'test -e /tmp/healthy && echo ok || echo gone'], f, 40_000)).toEqual({ exitCode: 0, output: 'gone\n' });
    expect(evalScript('false; exit 3; true', f, 0).exitCode).toBe(3);
    expect(evalCommand(['/bin/grpc_health_probe'], f, 0)).toEqual({ exitCode: 127, output: 'sh: /bin/grpc_health_probe: not found\n' });
  });
});
