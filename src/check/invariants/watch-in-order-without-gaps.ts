/**
 * A watch delivers the changes after its starting revision in revision order, with none missing:
 * on one watch, event revisions never go back; an object seen present (ADDED or MODIFIED) at
 * revision p next shows at the first later revision at which it was written (a filtered watch
 * turns a change that stops matching into DELETED, so no change of a seen object is skipped);
 * every event names a revision at which its object was written; bookmarks never go back; nothing
 * arrives on a watch after it closed. A compacted start is an ERROR (410), after which the
 * component must re-list, on a new watch.
 */
import type { KObject } from '../../api/objects.ts';
import { invariant, type CheckContext } from '../invariant.ts';
import { storageKeyOf } from '../objects.ts';

interface WatchState {
  lastRevision: number;
  lastKey: string;
  /** key -> the last event's type and revision on this watch. */
  seen: Map<string, { present: boolean; revision: number }>;
}

interface State {
  watches: Map<string, WatchState>;
  closed: Set<string>;
}

const rvOf = (o: KObject) => Number(o.metadata?.resourceVersion);

export const watchInOrderWithoutGaps = invariant<State>({
  id: 'watch-in-order-without-gaps',
  statement: 'each watch delivers the changes after its start in revision order, none missing, and nothing after it closed',
  source: 'staging/src/k8s.io/apiserver/pkg/storage/cacher (watch semantics); API concepts "Efficient detection of changes" (watch from a resourceVersion); etcd watch guarantees (ordered, reliable)',
  init: () => ({ watches: new Map(), closed: new Set() }),
  onWatchDelivered(d, cx: CheckContext<State>) {
    const s = cx.state;
    const ev = d.event;
    if (s.closed.has(d.watchId)) return `${d.component} received ${ev.type} on watch ${d.watchId} after it closed`;
    if (ev.type === 'ERROR') return;
    const rev = rvOf(ev.object);
    if (!Number.isFinite(rev)) return `${d.component} received ${ev.type} without a resourceVersion on watch ${d.watchId}`;
    let w = s.watches.get(d.watchId);
    if (!w) s.watches.set(d.watchId, (w = { lastRevision: 0, lastKey: '', seen: new Map() }));
    if (ev.type === 'BOOKMARK') {
      if (rev < w.lastRevision) return `${d.component}: bookmark at revision ${rev} on watch ${d.watchId} goes back from ${w.lastRevision}`;
      w.lastRevision = rev;
      w.lastKey = '';
      return;
    }
    const key = storageKeyOf(ev.object);
    if (key === undefined) return;
    const out: string[] = [];
    if (rev < w.lastRevision || (rev === w.lastRevision && key === w.lastKey)) {
      out.push(`${d.component}: ${ev.type} of ${key} at revision ${rev} on watch ${d.watchId} after revision ${w.lastRevision}`);
    }
    if (!cx.writtenAt(key, rev)) out.push(`${d.component}: ${ev.type} of ${key} names revision ${rev}, at which it was not written`);
    const last = w.seen.get(key);
    if (last?.present) {
      const expected = cx.nextWriteAfter(key, last.revision);
      if (expected !== undefined && rev > expected) {
        out.push(`${d.component}: watch ${d.watchId} skipped the write of ${key} at revision ${expected} (went from ${last.revision} to ${rev})`);
      }
    }
    w.seen.set(key, { present: ev.type !== 'DELETED', revision: rev });
    w.lastRevision = Math.max(w.lastRevision, rev);
    w.lastKey = key;
    if (out.length > 0) return out;
  },
  onWatchClosed(d, cx) {
    cx.state.closed.add(d.watchId);
    cx.state.watches.delete(d.watchId);
  },
});
