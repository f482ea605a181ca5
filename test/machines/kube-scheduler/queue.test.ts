import { describe, expect, it } from 'vitest';
import { SchedulingQueue, POD_MAX_IN_UNSCHEDULABLE_MS } from '../../../machines/kube-scheduler/queue.ts';

describe('scheduling queue', () => {
  it('pops higher priority first, then in arrival order', () => {
    const q = new SchedulingQueue();
    q.add('low-1', 0);
    q.add('high', 100);
    q.add('low-2', 0);
    q.add('mid', 10);
    expect([q.pop(), q.pop(), q.pop(), q.pop(), q.pop()]).toEqual(['high', 'mid', 'low-1', 'low-2', undefined]);
  });

  it('backs off 1 s doubling to a 10 s cap per failed attempt', () => {
    const q = new SchedulingQueue();
    const backoffs = Array.from({ length: 6 }, () => q.failed('p', 0));
    expect(backoffs).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('moves a parked pod back on a cluster event only once its backoff is over', () => {
    const q = new SchedulingQueue();
    q.failed('p', 0); // backoff until 1000
    q.clusterEvent();
    expect(q.flush(500, () => 0)).toEqual([]);
    expect(q.flush(1000, () => 0)).toEqual(['p']);
    expect(q.pop()).toBe('p');
  });

  it('leaves a parked pod alone without a cluster event until five minutes pass', () => {
    const q = new SchedulingQueue();
    q.failed('p', 0);
    expect(q.flush(60_000, () => 0)).toEqual([]);
    expect(q.flush(POD_MAX_IN_UNSCHEDULABLE_MS, () => 0)).toEqual(['p']);
  });

  it('forgets a pod that is removed', () => {
    const q = new SchedulingQueue();
    q.add('a', 0);
    q.failed('b', 0);
    q.remove('a');
    q.remove('b');
    expect(q.size()).toBe(0);
    expect(q.waiting()).toBe(0);
  });
});
