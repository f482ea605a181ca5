/**
 * The simulated container image registry: which images exist, how big they are, how long a pull
 * takes, and the error containerd reports for an image that does not exist. Image references are
 * normalized the way containerd does (docker.io/library/ for bare names, :latest when untagged),
 * and images are matched by repository, so any tag of a known repository pulls.
 */

/** A parsed image reference ("nginx:1.27" is docker.io/library/nginx, tag 1.27). */
export interface ImageRef {
  /** The registry host, e.g. docker.io or registry.k8s.io. */
  domain: string;
  /** domain/path: the repository, tag and digest removed. */
  repository: string;
  tag?: string;
  digest?: string;
  /** The fully qualified reference containerd pulls: repository:tag or repository@digest. */
  normalized: string;
}

/** An image the registry serves, as it lands in the node's image store. */
export interface ImageInfo {
  repository: string;
  /** The normalized reference that was asked for. */
  ref: string;
  sizeBytes: number;
  /** "sha256:<64 hex>", derived from the repository so it is the same in every run. */
  digest: string;
  /** The containerStatus.imageID: repository@digest. */
  imageID: string;
}

export type PullResult = { ok: true; image: ImageInfo; durationMs: number } | { ok: false; durationMs: number; message: string };

export interface RegistryOptions {
  /** Extra images a scenario adds, by reference (tag ignored), with their compressed size in bytes. */
  images?: Record<string, number> | ReadonlyArray<{ name: string; sizeBytes: number }>;
  /** Download bandwidth; upstream clusters on a decent link see roughly 50 MiB/s. */
  bandwidthBytesPerSecond?: number;
  /** Fixed cost per pull (resolve, manifest, unpack start), also what a failed lookup takes. */
  pullOverheadMs?: number;
}

export const DEFAULT_BANDWIDTH_BYTES_PER_SECOND = 50 * 1024 * 1024;
export const DEFAULT_PULL_OVERHEAD_MS = 200;

/** Known repositories and their compressed sizes (what containerd reports as "Image size"). */
export const DEFAULT_IMAGES: Readonly<Record<string, number>> = {
  'registry.k8s.io/pause': 320_368,
  'docker.io/library/nginx': 72_099_410,
  'docker.io/library/busybox': 2_155_110,
  'docker.io/library/alpine': 3_645_180,
  'registry.k8s.io/e2e-test-images/agnhost': 51_845_280,
  'docker.io/library/redis': 45_138_472,
  'docker.io/library/httpd': 58_137_215,
  'docker.io/library/postgres': 154_829_396,
  // Also in the image catalog (image-catalog.ts): approximate amd64 compressed sizes.
  'docker.io/library/ubuntu': 29_754_290,
  'docker.io/library/debian': 48_494_272,
  'docker.io/nginxinc/nginx-unprivileged': 72_104_655,
  'registry.k8s.io/e2e-test-images/busybox': 2_172_306,
  // The busybox of the Kubernetes docs' probe examples (an old 1.24 build).
  'registry.k8s.io/busybox': 1_144_547,
};

/** The sandbox image kind nodes ship with; the kubelet never pulls it. */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

const NAME_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;

/** Parses a reference as docker/distribution's ParseNormalizedNamed does; undefined means InvalidImageName. */
export function parseImageRef(ref: string): ImageRef | undefined {
  if (!ref || ref !== ref.trim()) return undefined;
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  const parts = rest.split('/');
  const first = parts[0] ?? '';
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let domain = hasDomain ? first : 'docker.io';
  let path = hasDomain ? parts.slice(1).join('/') : rest;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (!path.split('/').every((c) => NAME_COMPONENT.test(c))) return undefined;
  const repository = `${domain}/${path}`;
  if (!tag && !digest) tag = 'latest';
  const normalized = digest ? `${repository}${tag ? ':' + tag : ''}@${digest}` : `${repository}:${tag}`;
  return { domain, repository, normalized, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** imagePullPolicy's default: Always for :latest or no tag, IfNotPresent otherwise (digests too). */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const r = parseImageRef(image);
  if (!r || r.digest) return 'IfNotPresent';
  return r.tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** 64 hex digits from a string: FNV-1a rounds, so digests are stable across runs and machines. */
function hex64(s: string): string {
  let out = '';
  for (let round = 0; out.length < 64; round++) {
    let h = 0x811c9dc5 ^ round;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    out += (h >>> 0).toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

/** containerd's message for a reference no registry knows (the kubelet prefixes "Failed to pull image"). */
export function notFoundMessage(ref: ImageRef): string {
  const n = ref.normalized;
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${n}": failed to resolve reference "${n}": ${n}: not found`;
}

/** Registry options accept a map or a list (scenario files list images). */
export function imageList(images: RegistryOptions['images']): Array<{ name: string; sizeBytes: number }> {
  if (!images) return [];
  if (Array.isArray(images)) return [...(images as ReadonlyArray<{ name: string; sizeBytes: number }>)];
  return Object.entries(images as Record<string, number>).map(([name, sizeBytes]) => ({ name, sizeBytes }));
}

/** An image's identity as containerd stores it, for any well-formed reference. */
export function imageInfo(ref: ImageRef, sizeBytes: number): ImageInfo {
  const digest = `sha256:${hex64(ref.digest ?? ref.normalized)}`;
  return { repository: ref.repository, ref: ref.normalized, sizeBytes, digest, imageID: `${ref.repository}@${digest}` };
}

/** Size assumed for an image preloaded on a node that the registry does not know. */
export const UNKNOWN_IMAGE_SIZE_BYTES = 10 * 1024 * 1024;

export class ImageRegistry {
  private sizes = new Map<string, number>();
  readonly bandwidthBytesPerSecond: number;
  readonly pullOverheadMs: number;

  constructor(options: RegistryOptions = {}) {
    for (const [repo, size] of Object.entries(DEFAULT_IMAGES)) this.sizes.set(repo, size);
    for (const { name, sizeBytes } of imageList(options.images)) {
      const parsed = parseImageRef(name);
      if (!parsed) throw new Error(`registry: invalid image reference ${JSON.stringify(name)}`);
      this.sizes.set(parsed.repository, sizeBytes);
    }
    this.bandwidthBytesPerSecond = options.bandwidthBytesPerSecond ?? DEFAULT_BANDWIDTH_BYTES_PER_SECOND;
    this.pullOverheadMs = options.pullOverheadMs ?? DEFAULT_PULL_OVERHEAD_MS;
  }

  /** The image a reference names, or undefined when the registry does not have it. */
  lookup(ref: string): ImageInfo | undefined {
    const parsed = parseImageRef(ref);
    const sizeBytes = parsed && this.sizes.get(parsed.repository);
    return parsed && sizeBytes !== undefined ? imageInfo(parsed, sizeBytes) : undefined;
  }

  /** Transfer time at the configured bandwidth plus the fixed overhead, in whole milliseconds. */
  pullDurationMs(image: ImageInfo): number {
    return this.pullOverheadMs + Math.ceil((image.sizeBytes * 1000) / this.bandwidthBytesPerSecond);
  }

  /** What pulling `ref` would do: the image and its duration, or containerd's failure. */
  pull(ref: string): PullResult {
    const parsed = parseImageRef(ref);
    if (!parsed) return { ok: false, durationMs: 0, message: `couldn't parse image name "${ref}": invalid reference format` };
    const image = this.lookup(ref);
    if (!image) return { ok: false, durationMs: this.pullOverheadMs, message: notFoundMessage(parsed) };
    return { ok: true, image, durationMs: this.pullDurationMs(image) };
  }
}

const defaultRegistry = new ImageRegistry();

/** Looks a reference up in the default registry (no scenario images). */
export function lookupImage(ref: string): ImageInfo | undefined {
  return defaultRegistry.lookup(ref);
}
