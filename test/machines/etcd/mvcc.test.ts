import { describe, expect, it } from 'vitest';
import { MvccStore, CompactedError, type WatchEvent } from '../../../machines/etcd/mvcc.ts';

describe('MVCC store', () => {
  it('creates with create-if-absent and tracks create/mod revision and version', () => {
    const s = new MvccStore<string>();
    const r1 = s.txn([{ key: 'a', target: 'mod', op: '=', value: 0 }], [{ type: 'put', key: 'a', value: 'x' }]);
    expect(r1.succeeded).toBe(true);
    expect(s.get('a')).toMatchObject({ createRevision: 2, modRevision: 2, version: 1 });
    const again = s.txn([{ key: 'a', target: 'mod', op: '=', value: 0 }], [{ type: 'put', key: 'a', value: 'y' }]);
    expect(again.succeeded).toBe(false);
    expect(s.revision()).toBe(2);
    s.txn([{ key: 'a', target: 'mod', op: '=', value: 2 }], [{ type: 'put', key: 'a', value: 'z' }]);
    expect(s.get('a')).toMatchObject({ value: 'z', createRevision: 2, modRevision: 3, version: 2 });
  });

  it('refuses an update whose mod revision is stale', () => {
    const s = new MvccStore<string>();
    s.txn([], [{ type: 'put', key: 'a', value: '1' }]);
    s.txn([], [{ type: 'put', key: 'a', value: '2' }]);
    const r = s.txn([{ key: 'a', target: 'mod', op: '=', value: 2 }], [{ type: 'put', key: 'a', value: '3' }]);
    expect(r.succeeded).toBe(false);
    expect(s.get('a')!.value).toBe('2');
  });

  it('moves the revision once per transaction and rejects duplicate keys', () => {
    const s = new MvccStore<number>();
    const r = s.txn([], [{ type: 'put', key: 'a', value: 1 }, { type: 'put', key: 'b', value: 2 }]);
    expect(r.revision).toBe(2);
    expect(s.get('a')!.modRevision).toBe(s.get('b')!.modRevision);
    expect(() => s.txn([], [{ type: 'put', key: 'c', value: 1 }, { type: 'delete', key: 'c' }])).toThrow(/duplicate key/);
  });

  it('ranges by prefix in key order', () => {
    const s = new MvccStore<number>();
    for (const k of ['/p/b', '/p/a', '/q/a']) s.txn([], [{ type: 'put', key: k, value: 1 }]);
    expect(s.range('/p/').kvs.map((kv) => kv.key)).toEqual(['/p/a', '/p/b']);
  });

  it('watches from a revision inclusive, replaying history then following live writes', () => {
    const s = new MvccStore<string>();
    s.txn([], [{ type: 'put', key: '/k/1', value: 'a' }]); // rev 2
    s.txn([], [{ type: 'put', key: '/k/2', value: 'b' }]); // rev 3
    const seen: Array<[number, string, string]> = [];
    s.watch('/k/', 3, (evs: WatchEvent<string>[], rev) => evs.forEach((e) => seen.push([rev, e.type, e.kv.key])));
    s.txn([], [{ type: 'delete', key: '/k/1' }]); // rev 4
    expect(seen).toEqual([[3, 'PUT', '/k/2'], [4, 'DELETE', '/k/1']]);
  });

  it('fails a watch from a compacted revision', () => {
    const s = new MvccStore<string>();
    for (let i = 0; i < 5; i++) s.txn([], [{ type: 'put', key: 'k', value: String(i) }]);
    s.compact(4);
    expect(() => s.watch('k', 3, () => {})).toThrow(CompactedError);
    expect(() => s.watch('k', 5, () => {})).not.toThrow();
  });

  it('resets version to 0 on delete and restarts it on re-create', () => {
    const s = new MvccStore<string>();
    s.txn([], [{ type: 'put', key: 'k', value: 'a' }]);
    s.txn([], [{ type: 'delete', key: 'k' }]);
    s.txn([{ key: 'k', target: 'version', op: '=', value: 0 }], [{ type: 'put', key: 'k', value: 'b' }]);
    expect(s.get('k')).toMatchObject({ version: 1, createRevision: 4 });
  });
});
