/**
 * The node's image store and its pull queue. The kubelet pulls one image at a time
 * (serializeImagePulls defaults to true), so a pull may wait behind another: the Pulled event
 * reports both the pull time and the time including that wait.
 */
import type { ImageInfo, ImageRegistry } from './registry.ts';
import { imageInfo, PAUSE_IMAGE, parseImageRef, UNKNOWN_IMAGE_SIZE_BYTES } from './registry.ts';

export class ImageStore {
  private byRef = new Map<string, ImageInfo>();

  /** A node image the registry does not serve is still on the node (it was side-loaded). */
  constructor(registry: ImageRegistry, preloaded: readonly string[]) {
    for (const ref of [PAUSE_IMAGE, ...preloaded]) {
      const parsed = parseImageRef(ref);
      if (parsed) this.add(registry.lookup(ref) ?? imageInfo(parsed, UNKNOWN_IMAGE_SIZE_BYTES));
    }
  }

  /** Whether the exact reference (repository and tag) is on the node. */
  has(ref: string): boolean {
    const parsed = parseImageRef(ref);
    return parsed !== undefined && this.byRef.has(parsed.normalized);
  }

  get(ref: string): ImageInfo | undefined {
    const parsed = parseImageRef(ref);
    return parsed ? this.byRef.get(parsed.normalized) : undefined;
  }

  add(info: ImageInfo): void {
    this.byRef.set(info.ref, info);
  }

  /** node.status.images: each image by digest and by tag, largest first as the kubelet lists them. */
  nodeImages(): Array<{ names: string[]; sizeBytes: number }> {
    return [...this.byRef.values()]
      .sort((a, b) => b.sizeBytes - a.sizeBytes || a.ref.localeCompare(b.ref))
      .map((i) => ({ names: [i.imageID, i.ref], sizeBytes: i.sizeBytes }));
  }
}

/** One pull request from a pod worker. */
export interface PullJob {
  id: number;
  /** The pod worker's key ("namespace/name") and the container and start attempt it is for. */
  pod: string;
  uid: string;
  container: string;
  attempt: number;
  image: string;
  enqueuedAtMs: number;
  startedAtMs?: number;
  durationMs?: number;
}

/** A FIFO with at most one pull in progress. */
export class PullQueue {
  private waiting: PullJob[] = [];
  private seq = 0;
  active: PullJob | undefined;

  /** Queues a pull; returns the job and whether it starts now (nothing else was pulling). */
  enqueue(job: Omit<PullJob, 'id'>): { job: PullJob; startsNow: boolean } {
    const full: PullJob = { ...job, id: ++this.seq };
    if (this.active) {
      this.waiting.push(full);
      return { job: full, startsNow: false };
    }
    this.active = full;
    return { job: full, startsNow: true };
  }

  /** Ends the active pull; returns it and the job that starts next, if any. */
  finish(id: number): { done: PullJob | undefined; next: PullJob | undefined } {
    if (!this.active || this.active.id !== id) return { done: undefined, next: undefined };
    const done = this.active;
    this.active = this.waiting.shift();
    return { done, next: this.active };
  }

  get length(): number {
    return this.waiting.length + (this.active ? 1 : 0);
  }
}
