/**
 * The event recorder every component uses (client-go's record.EventRecorder): a core/v1 Event
 * object created through the API server, named "<object>.<UnixNano in hex>" as upstream names them.
 *
 * Like client-go's EventCorrelator (its eventLogger), a recorder does not create a second Event
 * for an identical one (same source, involved object, type, reason and message): it PATCHes the
 * first with `count` + 1 and a new `lastTimestamp`, which `kubectl describe` shows as
 * "(x3 over 30s)". The cache is per API port (one per component, as a recorder is per
 * component), least recently used out beyond 4096 entries, as upstream's LRU. Not modelled: the
 * aggregator that folds >10 similar events with different messages into "(combined from
 * similar events)", the spam filter's token bucket, and re-creating an Event whose patch fails
 * because the Event expired (kubelife does not expire Events).
 */
import type { KObject } from '../../src/api/objects.ts';
import { epoch, timestamp } from '../../src/api/time.ts';
import type { ApiPort } from './port.ts';

export interface EventSource { component: string; host?: string }

/** client-go's maxLruCacheEntries. */
export const EVENT_CACHE_ENTRIES = 4096;

interface Observation { name: string; count: number }

/** Per recorder (API port): the Events already written, by getEventKey. Insertion order is LRU order. */
const observed = new WeakMap<ApiPort, Map<string, Observation>>();

function cacheOf(port: ApiPort): Map<string, Observation> {
  let c = observed.get(port);
  if (!c) {
    c = new Map();
    observed.set(port, c);
  }
  return c;
}

/** Builds and sends an Event about `obj`, or counts a repeat of an identical one. Returns the request id. */
export function recordEvent(port: ApiPort, source: EventSource, obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): string {
  const ts = timestamp(port.now());
  const ns = obj.metadata.namespace ?? 'default';
  // getEventKey: source, involved object (kind, namespace, name, fieldPath, uid, apiVersion), type, reason, message.
  const key = JSON.stringify([source.component, source.host ?? '', obj.kind, obj.metadata.namespace ?? '', obj.metadata.name ?? '', fieldPath ?? '', obj.metadata.uid ?? '', obj.apiVersion, type, reason, message]);
  const cache = cacheOf(port);
  const seen = cache.get(key);
  if (seen) {
    seen.count++;
    cache.delete(key);
    cache.set(key, seen);
    return port.request({ verb: 'patch', patchType: 'merge', group: '', version: 'v1', resource: 'events', namespace: ns, name: seen.name, body: { count: seen.count, lastTimestamp: ts, message } }, 'event');
  }
  // client-go names an Event "<object>.<UnixNano in hex>", so names sort by time: virtual time at
  // millisecond precision, with seeded nanoseconds below it to keep names apart.
  const suffix = ((BigInt(epoch() + port.now()) * 1_000_000n) + BigInt(port.randomInt(0, 999_999))).toString(16);
  const name = `${obj.metadata.name}.${suffix}`;
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: ns },
    involvedObject: {
      apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name ?? '',
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
      ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
      ...(fieldPath ? { fieldPath } : {}),
    },
    reason, message, type,
    source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
    firstTimestamp: ts, lastTimestamp: ts, count: 1,
    reportingComponent: source.component, reportingInstance: source.host ?? source.component,
  };
  cache.set(key, { name, count: 1 });
  if (cache.size > EVENT_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return port.request({ verb: 'create', group: '', version: 'v1', resource: 'events', namespace: ns, body: event }, 'event');
}
