import { describe, expect, it } from 'vitest';
import type { Taint, Toleration } from '../../../src/api/objects.ts';
import { timestamp } from '../../../src/api/time.ts';
import {
  matchingTolerations, minTolerationMs, noExecuteTaints, processPodOnNode, withDisruptionTarget,
} from '../../../machines/kube-controller-manager/tainteviction-logic.ts';

const S = 1000;
const UNREACHABLE: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: timestamp(0) };
const NOT_READY: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' };
/** What DefaultTolerationSeconds gives every pod. */
const DEFAULTS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

describe('which taints and tolerations count', () => {
  it('only NoExecute taints', () => {
    expect(noExecuteTaints([{ key: 'a', effect: 'NoSchedule' }, UNREACHABLE, { key: 'b', effect: 'PreferNoSchedule' }])).toEqual([UNREACHABLE]);
  });

  it.each([
    ['no taints: all tolerated, none used', [], DEFAULTS, true, []],
    ['no tolerations: not tolerated', [UNREACHABLE], [], false, []],
    ['the default toleration is used', [UNREACHABLE], DEFAULTS, true, [DEFAULTS[1]]],
    ['every taint must be tolerated', [UNREACHABLE, { key: 'x', effect: 'NoExecute' }], DEFAULTS, false, []],
    ['the first matching toleration is the one used', [NOT_READY], [{ operator: 'Exists' }, ...DEFAULTS], true, [{ operator: 'Exists' }]],
  ] as const)('%s', (_name, taints, tolerations, all, used) => {
    expect(matchingTolerations(taints as readonly Taint[], tolerations as readonly Toleration[])).toEqual({ allTolerated: all, used });
  });

  it.each([
    ['no tolerations used: at once', [], 0],
    ['the smallest seconds', [{ tolerationSeconds: 300 }, { tolerationSeconds: 60 }], 60 * S],
    ['zero or negative: at once', [{ tolerationSeconds: 300 }, { tolerationSeconds: -5 }], 0],
    ['none with seconds: forever', [{ operator: 'Exists' }], -1],
    ['seconds beat forever', [{ operator: 'Exists' }, { tolerationSeconds: 120 }], 120 * S],
  ] as const)('getMinTolerationTime: %s', (_name, used, ms) => {
    expect(minTolerationMs(used as readonly Toleration[])).toBe(ms);
  });
});

describe('processPodOnNode', () => {
  it.each([
    ['tolerated for 300 s: scheduled from now', [UNREACHABLE], DEFAULTS, 100 * S, undefined, [{ op: 'add', createdAtMs: 100 * S, fireAtMs: 400 * S }]],
    ['not tolerated: cancelled and deleted at once', [{ key: 'x', effect: 'NoExecute' } as Taint], DEFAULTS, 100 * S, undefined, [{ op: 'cancel' }, { op: 'add', createdAtMs: 100 * S, fireAtMs: 100 * S }]],
    ['tolerated forever: any eviction cancelled', [UNREACHABLE], [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }], 100 * S, undefined, [{ op: 'cancel' }]],
    ['an earlier scheduled eviction is kept', [UNREACHABLE, NOT_READY], DEFAULTS, 150 * S, { createdAtMs: 100 * S, fireAtMs: 400 * S }, []],
    ['one scheduled this very instant is replaced (upstream compares strictly)', [UNREACHABLE], DEFAULTS, 100 * S, { createdAtMs: 100 * S, fireAtMs: 400 * S }, [{ op: 'cancel' }, { op: 'add', createdAtMs: 100 * S, fireAtMs: 400 * S }]],
    ['an eviction already run is left alone (the queue keeps its key)', [UNREACHABLE], DEFAULTS, 500 * S, null, [{ op: 'add', createdAtMs: 500 * S, fireAtMs: 800 * S }]],
  ] as const)('%s', (_name, taints, tolerations, now, existing, steps) => {
    expect(processPodOnNode(taints as readonly Taint[], tolerations as readonly Toleration[], now, existing)).toEqual(steps);
  });

  it('a shorter toleration after a longer one still waits for the first schedule when that is earlier', () => {
    const existing = { createdAtMs: 100 * S, fireAtMs: 160 * S };
    expect(processPodOnNode([UNREACHABLE], [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }], 130 * S, existing)).toEqual([]);
  });
});

describe('the DisruptionTarget condition', () => {
  it('is added with the taint manager reason and message', () => {
    expect(withDisruptionTarget({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }, 400 * S)).toEqual({
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: 'False' },
        { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: timestamp(400 * S) },
      ],
    });
  });

  it('is not written again when it is there already', () => {
    const once = withDisruptionTarget({ conditions: [] }, 400 * S)!;
    expect(withDisruptionTarget(once, 401 * S)).toBeUndefined();
  });
});
