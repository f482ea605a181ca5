/**
 * etcd's MVCC key-value store as Kubernetes uses it (etcd v3 API, reference §3): one global
 * revision, per-key create/mod revisions and version, transactions with compares, range by
 * prefix, watches from a revision (inclusive) and compaction. Values are frozen objects: readers
 * share them and must copy before changing anything.
 */

export interface KeyValue<V = unknown> {
  key: string;
  value: V;
  createRevision: number;
  modRevision: number;
  version: number;
}

export interface WatchEvent<V = unknown> {
  type: 'PUT' | 'DELETE';
  kv: KeyValue<V>;
  prevKv?: KeyValue<V>;
}

export type Compare =
  | { key: string; target: 'mod'; op: '=' | '!=' | '<' | '>'; value: number }
  | { key: string; target: 'create'; op: '=' | '!=' | '<' | '>'; value: number }
  | { key: string; target: 'version'; op: '=' | '!=' | '<' | '>'; value: number };

export type Op<V> = { type: 'put'; key: string; value: V } | { type: 'delete'; key: string } | { type: 'get'; key: string };

export interface TxnResult<V> {
  succeeded: boolean;
  revision: number;
  /** For each op: the kv after a put, the deleted kv, or the kv read. */
  results: Array<KeyValue<V> | undefined>;
}

export class CompactedError extends Error {
  constructor(readonly requested: number, readonly compactRevision: number) {
    super(`mvcc: required revision has been compacted (requested ${requested}, compacted ${compactRevision})`);
  }
}

interface Watcher<V> {
  id: number;
  prefix: string;
  fn: (events: WatchEvent<V>[], revision: number) => void;
}

export class MvccStore<V = unknown> {
  private kv = new Map<string, KeyValue<V>>();
  /** Every change since the last compaction, in revision order. */
  private history: Array<{ revision: number; events: WatchEvent<V>[] }> = [];
  private watchers = new Map<number, Watcher<V>>();
  private nextWatchId = 1;
  private rev = 1; // etcd starts at revision 1
  private compacted = 0;

  revision(): number {
    return this.rev;
  }

  compactRevision(): number {
    return this.compacted;
  }

  get(key: string): KeyValue<V> | undefined {
    return this.kv.get(key);
  }

  /** All current keys with the prefix, sorted by key as etcd returns them. */
  range(prefix: string): { kvs: KeyValue<V>[]; revision: number } {
    const kvs: KeyValue<V>[] = [];
    for (const [k, v] of this.kv) if (k.startsWith(prefix)) kvs.push(v);
    kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { kvs, revision: this.rev };
  }

  /**
   * The value of a key as it was at `revision` (read-only, over the history kept since the last
   * compaction). Throws CompactedError for a revision at or below the compaction point (except the
   * compaction revision itself, whose state is still known) and for a future one.
   */
  getAt(key: string, revision: number): KeyValue<V> | undefined {
    return this.rewind(revision, (k) => k === key, key).get(key);
  }

  /**
   * All keys with the prefix as they were at `revision`, sorted by key: a read-only rewind of the
   * current state over the kept history (etcd's Range with a revision). The revision must lie in
   * [compactRevision, revision()].
   */
  rangeAt(prefix: string, revision: number): { kvs: KeyValue<V>[]; revision: number } {
    if (revision === this.rev) return this.range(prefix);
    const kvs = [...this.rewind(revision, (k) => k.startsWith(prefix)).values()];
    kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { kvs, revision };
  }

  /** The keys selected by `wanted` at `revision`: the current ones, with later changes undone. */
  private rewind(revision: number, wanted: (key: string) => boolean, onlyKey?: string): Map<string, KeyValue<V>> {
    if (!Number.isInteger(revision) || revision > this.rev) throw new Error(`mvcc: required revision is a future revision`);
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    const out = new Map<string, KeyValue<V>>();
    if (onlyKey !== undefined) {
      const v = this.kv.get(onlyKey);
      if (v) out.set(onlyKey, v);
    } else for (const [k, v] of this.kv) if (wanted(k)) out.set(k, v);
    for (let i = this.history.length - 1; i >= 0 && this.history[i]!.revision > revision; i--) {
      const events = this.history[i]!.events;
      for (let j = events.length - 1; j >= 0; j--) {
        const e = events[j]!;
        if (!wanted(e.kv.key)) continue;
        if (e.prevKv) out.set(e.kv.key, e.prevKv);
        else out.delete(e.kv.key);
      }
    }
    return out;
  }

  /** Number of keys with the prefix (cheap count for quotas and summaries). */
  count(prefix: string): number {
    let n = 0;
    for (const k of this.kv.keys()) if (k.startsWith(prefix)) n++;
    return n;
  }

  /** An atomic If/Then/Else transaction; the revision moves once if anything is written. */
  txn(compares: Compare[], success: Op<V>[], failure: Op<V>[] = []): TxnResult<V> {
    const ok = compares.every((c) => this.holds(c));
    const ops = ok ? success : failure;
    const writes = ops.filter((o) => o.type !== 'get');
    const keys = new Set(writes.map((o) => o.key));
    if (keys.size !== writes.length) throw new Error('etcdserver: duplicate key given in txn request');
    const results: Array<KeyValue<V> | undefined> = [];
    if (writes.length === 0) {
      for (const o of ops) results.push(this.kv.get(o.key));
      return { succeeded: ok, revision: this.rev, results };
    }
    const revision = this.rev + 1;
    const events: WatchEvent<V>[] = [];
    for (const o of ops) {
      const prev = this.kv.get(o.key);
      if (o.type === 'get') {
        results.push(prev);
      } else if (o.type === 'put') {
        const next: KeyValue<V> = {
          key: o.key,
          value: o.value,
          createRevision: prev ? prev.createRevision : revision,
          modRevision: revision,
          version: prev ? prev.version + 1 : 1,
        };
        this.kv.set(o.key, next);
        events.push(prev ? { type: 'PUT', kv: next, prevKv: prev } : { type: 'PUT', kv: next });
        results.push(next);
      } else {
        if (prev) {
          this.kv.delete(o.key);
          const tomb: KeyValue<V> = { ...prev, modRevision: revision, version: 0 };
          events.push({ type: 'DELETE', kv: tomb, prevKv: prev });
        }
        results.push(prev);
      }
    }
    if (events.length === 0) return { succeeded: ok, revision: this.rev, results };
    this.rev = revision;
    this.history.push({ revision, events });
    for (const w of this.watchers.values()) {
      const mine = events.filter((e) => e.kv.key.startsWith(w.prefix));
      if (mine.length > 0) w.fn(mine, revision);
    }
    return { succeeded: ok, revision, results };
  }

  /**
   * Watches keys with the prefix from `fromRevision` (inclusive): history is replayed first, then
   * live changes follow. A compacted start revision throws CompactedError.
   */
  watch(prefix: string, fromRevision: number, fn: (events: WatchEvent<V>[], revision: number) => void): () => void {
    if (fromRevision > 0 && fromRevision <= this.compacted) throw new CompactedError(fromRevision, this.compacted);
    if (fromRevision > 0) {
      for (const h of this.history) {
        if (h.revision < fromRevision) continue;
        const mine = h.events.filter((e) => e.kv.key.startsWith(prefix));
        if (mine.length > 0) fn(mine, h.revision);
      }
    }
    const id = this.nextWatchId++;
    this.watchers.set(id, { id, prefix, fn });
    return () => {
      this.watchers.delete(id);
    };
  }

  /** Drops history at or below `revision`; watches from there on fail with CompactedError. */
  compact(revision: number): void {
    if (revision <= this.compacted) return;
    if (revision > this.rev) throw new Error(`mvcc: required revision is a future revision`);
    this.compacted = revision;
    let i = 0;
    while (i < this.history.length && this.history[i]!.revision <= revision) i++;
    this.history.splice(0, i);
  }

  /** Events in history, for tests and checks. */
  historySize(): number {
    return this.history.length;
  }

  private holds(c: Compare): boolean {
    const kv = this.kv.get(c.key);
    const actual = c.target === 'mod' ? (kv?.modRevision ?? 0) : c.target === 'create' ? (kv?.createRevision ?? 0) : (kv?.version ?? 0);
    switch (c.op) {
      case '=': return actual === c.value;
      case '!=': return actual !== c.value;
      case '<': return actual < c.value;
      case '>': return actual > c.value;
    }
  }
}
