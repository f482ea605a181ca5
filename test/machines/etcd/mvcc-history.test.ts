import { describe, expect, it } from 'vitest';
import { CompactedError, MvccStore } from '../../../machines/etcd/mvcc.ts';

describe('MVCC reads at a past revision (rangeAt, getAt)', () => {
  function store(): MvccStore<string> {
    const s = new MvccStore<string>();
    s.txn([], [{ type: 'put', key: '/p/a', value: 'a1' }]); // rev 2
    s.txn([], [{ type: 'put', key: '/p/b', value: 'b1' }]); // rev 3
    s.txn([], [{ type: 'put', key: '/p/a', value: 'a2' }]); // rev 4
    s.txn([], [{ type: 'delete', key: '/p/b' }]); // rev 5
    s.txn([], [{ type: 'put', key: '/q/x', value: 'x1' }, { type: 'put', key: '/p/c', value: 'c1' }]); // rev 6
    return s;
  }

  it('rewinds the current state over the kept history, per revision', () => {
    const s = store();
    const at = (rev: number) => s.rangeAt('/p/', rev).kvs.map((kv) => `${kv.key}=${kv.value}@${kv.modRevision}`);
    expect(at(1)).toEqual([]);
    expect(at(2)).toEqual(['/p/a=a1@2']);
    expect(at(3)).toEqual(['/p/a=a1@2', '/p/b=b1@3']);
    expect(at(4)).toEqual(['/p/a=a2@4', '/p/b=b1@3']);
    expect(at(5)).toEqual(['/p/a=a2@4']);
    expect(at(6)).toEqual(['/p/a=a2@4', '/p/c=c1@6']);
    expect(s.rangeAt('/p/', 4).revision).toBe(4);
    expect(s.rangeAt('/p/', 6)).toEqual(s.range('/p/'));
    expect(s.getAt('/p/b', 4)?.value).toBe('b1');
    expect(s.getAt('/p/b', 5)).toBeUndefined();
    expect(s.getAt('/q/x', 5)).toBeUndefined();
    expect(s.getAt('/q/x', 6)?.value).toBe('x1');
  });

  it('is read-only and refuses compacted or future revisions', () => {
    const s = store();
    s.rangeAt('/p/', 2);
    expect(s.revision()).toBe(6);
    expect(s.range('/p/').kvs.map((kv) => kv.value)).toEqual(['a2', 'c1']);
    s.compact(4);
    expect(s.rangeAt('/p/', 4).kvs.map((kv) => kv.value)).toEqual(['a2', 'b1']);
    expect(() => s.rangeAt('/p/', 3)).toThrow(CompactedError);
    expect(() => s.getAt('/p/a', 7)).toThrow(/future revision/);
  });
});
