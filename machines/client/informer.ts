/**
 * A list-and-watch informer, as client-go's reflector does it: LIST, remember the list's
 * resourceVersion, WATCH from there; on a 410 or a closed stream, LIST again and report what
 * changed in between. The cache is keyed "namespace/name" and holds the API server's frozen
 * objects. Deltas are returned to the owning component, which reacts to them.
 *
 * Every LIST after the first waits for the reflector's backoff, as `wait.BackoffUntil(...,
 * backoffManager, sliding=true)` in Reflector.Run does after each ListAndWatch that returns (a
 * failed list, a watch that ended with an error such as 410 Expired). Simplification: client-go
 * first re-watches from the last resourceVersion when a stream merely closes; kubelife re-lists.
 */
import type { KObject } from '../../src/api/objects.ts';
import type { ApiRequest, WatchEvent } from './protocol.ts';
import type { ApiEvent, ApiPort } from './port.ts';

export interface Delta {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KObject;
  old?: KObject;
}

export function objectKey(o: { metadata: { namespace?: string; name?: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/**
 * The reflector's backoff manager, from client-go tools/cache/reflector.go (NewReflectorWithOptions):
 * `wait.NewExponentialBackoffManager(800*time.Millisecond, 30*time.Second, 2*time.Minute, 2.0, 1.0, clock)`,
 * "backoff will stop at [30,60) sec interval ... If we don't backoff for 2min, assume API server is
 * healthy and we reset the backoff".
 */
export const REFLECTOR_BACKOFF = { initialMs: 800, capMs: 30_000, resetMs: 2 * 60_000, factor: 2, jitter: 1 } as const;

/**
 * apimachinery's exponentialBackoffManagerImpl over wait.Backoff.Step: the wait is the current
 * duration plus a jitter of up to `jitter` times it (`Jitter(d, 1.0)` = d + rand[0,1) * d, drawn
 * from the component's seeded stream in whole milliseconds), then the duration doubles until it
 * would pass the cap, where it stays. More than 2 minutes since the last backoff resets it.
 */
export class ReflectorBackoff {
  private durationMs: number = REFLECTOR_BACKOFF.initialMs;
  private capped = false;
  private lastStartMs: number;

  constructor(nowMs: number) {
    this.lastStartMs = nowMs;
  }

  /** The next wait in ms; `randomInt(min, max)` is inclusive. */
  next(nowMs: number, randomInt: (min: number, max: number) => number): number {
    if (nowMs - this.lastStartMs > REFLECTOR_BACKOFF.resetMs) {
      this.durationMs = REFLECTOR_BACKOFF.initialMs;
      this.capped = false;
    }
    this.lastStartMs = nowMs;
    const d = this.durationMs;
    if (!this.capped) {
      this.durationMs = d * REFLECTOR_BACKOFF.factor;
      if (this.durationMs > REFLECTOR_BACKOFF.capMs) {
        this.durationMs = REFLECTOR_BACKOFF.capMs;
        this.capped = true;
      }
    }
    const jitterMax = Math.floor(d * REFLECTOR_BACKOFF.jitter);
    return d + (jitterMax > 0 ? randomInt(0, jitterMax - 1) : 0);
  }
}

export class Informer {
  readonly cache = new Map<string, KObject>();
  resourceVersion = '';
  synced = false;
  relists = 0;
  private watchId: string | undefined;
  private backoff: ReflectorBackoff | undefined;
  private listTag: string;
  private watchTag: string;

  constructor(readonly name: string, private base: Omit<ApiRequest, 'verb'>) {
    this.listTag = `informer:${name}:list`;
    this.watchTag = `informer:${name}:watch`;
  }

  start(port: ApiPort): void {
    this.backoff = new ReflectorBackoff(port.now());
    port.request({ ...this.base, verb: 'list' }, this.listTag);
  }

  /** Stops watching (a component that restarts loses its informers). */
  stop(port: ApiPort): void {
    if (this.watchId) port.unwatch(this.watchId);
    this.watchId = undefined;
  }

  /** True when the event belongs to this informer. */
  owns(e: ApiEvent): boolean {
    return e.tag === this.listTag || e.tag === this.watchTag;
  }

  /** Feeds an event; returns the deltas to react to. */
  handle(e: ApiEvent, port: ApiPort): Delta[] {
    if (e.type === 'api.response' && e.tag === this.listTag) return this.onList(e.code, e.body, port);
    if (e.type === 'api.watch' && e.tag === this.watchTag && e.watchId === this.watchId) return this.onWatch(e.event, port);
    if (e.type === 'api.watchClosed' && e.tag === this.watchTag && e.watchId === this.watchId) {
      this.relist(port);
      return [];
    }
    return [];
  }

  list(): KObject[] {
    return [...this.cache.values()];
  }

  get(namespace: string | undefined, name: string): KObject | undefined {
    return this.cache.get(`${namespace ?? ''}/${name}`);
  }

  private relist(port: ApiPort): void {
    if (this.watchId) port.unwatch(this.watchId);
    this.watchId = undefined;
    this.relists++;
    this.listAfterBackoff(port);
  }

  /** The next ListAndWatch, after the backoff manager's wait. */
  private listAfterBackoff(port: ApiPort): void {
    this.backoff ??= new ReflectorBackoff(port.now());
    const afterMs = this.backoff.next(port.now(), (min, max) => port.randomInt(min, max));
    port.request({ ...this.base, verb: 'list' }, this.listTag, { afterMs });
  }

  private onList(code: number, body: unknown, port: ApiPort): Delta[] {
    if (code !== 200) {
      // ListAndWatch returned an error: BackoffUntil waits, then lists again.
      this.listAfterBackoff(port);
      return [];
    }
    const list = body as { metadata: { resourceVersion: string }; items: KObject[] };
    const deltas: Delta[] = [];
    const seen = new Set<string>();
    for (const item of list.items) {
      const k = objectKey(item);
      seen.add(k);
      const old = this.cache.get(k);
      if (!old) deltas.push({ type: 'ADDED', object: item });
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) deltas.push({ type: 'MODIFIED', object: item, old });
      this.cache.set(k, item);
    }
    for (const [k, old] of [...this.cache]) {
      if (!seen.has(k)) {
        this.cache.delete(k);
        deltas.push({ type: 'DELETED', object: old, old });
      }
    }
    this.resourceVersion = list.metadata.resourceVersion;
    this.synced = true;
    this.watchId = port.watch({ ...this.base, verb: 'watch', query: { ...(this.base.query ?? {}), resourceVersion: this.resourceVersion, allowWatchBookmarks: true } }, this.watchTag);
    return deltas;
  }

  private onWatch(ev: WatchEvent, port: ApiPort): Delta[] {
    if (ev.type === 'ERROR') {
      this.relist(port);
      return [];
    }
    if (ev.type === 'BOOKMARK') {
      this.resourceVersion = ev.object.metadata.resourceVersion ?? this.resourceVersion;
      return [];
    }
    const k = objectKey(ev.object);
    const old = this.cache.get(k);
    this.resourceVersion = ev.object.metadata.resourceVersion ?? this.resourceVersion;
    if (ev.type === 'DELETED') {
      this.cache.delete(k);
      return [{ type: 'DELETED', object: ev.object, ...(old ? { old } : {}) }];
    }
    this.cache.set(k, ev.object);
    return [{ type: old ? 'MODIFIED' : 'ADDED', object: ev.object, ...(old ? { old } : {}) }];
  }
}
