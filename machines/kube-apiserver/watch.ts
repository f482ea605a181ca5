/**
 * Watch semantics on top of etcd's watch: events after a resourceVersion, filtered by label and
 * field selectors the way the watch cache filters them (an object that stops matching is sent as
 * DELETED, one that starts matching as ADDED), and 410 Expired for a compacted revision.
 */
import type { KObject } from '../../src/api/objects.ts';
import type { WatchEvent as StoreEvent } from '../etcd/mvcc.ts';
import type { WatchEvent } from '../client/protocol.ts';

export type ObjectFilter = (obj: KObject) => boolean;

/** Translates one etcd event into at most one Kubernetes watch event for a filtered watcher. */
export function translate(e: StoreEvent<KObject>, matches: ObjectFilter): WatchEvent | undefined {
  const cur = e.type === 'PUT' ? e.kv.value : undefined;
  const prev = e.prevKv?.value;
  const prevMatched = prev !== undefined && matches(prev);
  if (e.type === 'DELETE') {
    if (!prevMatched || !prev) return undefined;
    // A deleted object is reported with the deletion's revision as its resourceVersion.
    return { type: 'DELETED', object: withRv(prev, e.kv.modRevision) };
  }
  const nowMatches = cur !== undefined && matches(cur);
  if (nowMatches && cur) return { type: prevMatched ? 'MODIFIED' : 'ADDED', object: cur };
  if (prevMatched && cur) return { type: 'DELETED', object: cur };
  return undefined;
}

function withRv(obj: KObject, rev: number): KObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rev) } };
}
