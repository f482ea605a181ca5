/**
 * The event recorder every component uses (client-go's record.EventRecorder): a core/v1 Event
 * object created through the API server, named "<object>.<UnixNano in hex>" as upstream names them.
 */
import type { KObject } from '../../src/api/objects.ts';
import { epoch, timestamp } from '../../src/api/time.ts';
import type { ApiPort } from './port.ts';

export interface EventSource { component: string; host?: string }

/** Builds and sends an Event about `obj`. Returns the request id. */
export function recordEvent(port: ApiPort, source: EventSource, obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): string {
  // client-go names an Event "<object>.<UnixNano in hex>", so names sort by time: virtual time at
  // millisecond precision, with seeded nanoseconds below it to keep names apart.
  const suffix = ((BigInt(epoch() + port.now()) * 1_000_000n) + BigInt(port.randomInt(0, 999_999))).toString(16);
  const ts = timestamp(port.now());
  const ns = obj.metadata.namespace ?? 'default';
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${obj.metadata.name}.${suffix}`, namespace: ns },
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
  return port.request({ verb: 'create', group: '', version: 'v1', resource: 'events', namespace: ns, body: event }, 'event');
}
