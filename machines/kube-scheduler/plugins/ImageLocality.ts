/**
 * ImageLocality (pkg/scheduler/framework/plugins/imagelocality): prefers nodes that already hold
 * the pod's images, scaled by how widely each image is spread so one popular image does not pull
 * every pod onto the same nodes.
 */
import type { NodeInfo, ScorePlugin, Status } from '../framework.ts';

export const NAME = 'ImageLocality';

const MB = 1024 * 1024;
/** Below this much local image data a node gets 0: tiny images are cheap to pull anyway. */
export const MIN_THRESHOLD = 23 * MB;
/** Per container, image data beyond this adds nothing. */
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** The CRI name a tagless reference resolves to: "nginx" → "nginx:latest"; digests and tags stay. */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

/** image name → number of nodes in the snapshot holding it (the cache's ImageStateSummary.NumNodes). */
export function imageSpread(nodeInfos: readonly NodeInfo[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const info of nodeInfos) {
    const names = new Set((info.node.status?.images ?? []).flatMap((img) => img.names));
    for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** Clamp the summed image score into [23 MiB, 1000 MiB × containers] and map it onto 0..100. */
export function calculatePriority(sumScores: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  const clamped = Math.min(Math.max(sumScores, MIN_THRESHOLD), maxThreshold);
  return Math.trunc((100 * (clamped - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

export const ImageLocality = {
  name: NAME,
  preScore(_pod, _feasible, state): Status {
    // Spread is over every node in the snapshot, not only the feasible ones.
    state.data.set(NAME, imageSpread(state.nodeInfos));
    return { code: 'Success', reasons: [] };
  },
  score(pod, nodeInfo, state): number {
    const spread = (state.data.get(NAME) as Map<string, number> | undefined) ?? imageSpread(state.nodeInfos);
    const total = state.nodeInfos.length;
    const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
    let sum = 0;
    for (const c of containers) {
      const name = normalizedImageName(c.image ?? '');
      const image = (nodeInfo.node.status?.images ?? []).find((img) => img.names.includes(name));
      if (image) sum += Math.trunc(image.sizeBytes * ((spread.get(name) ?? 1) / total));
    }
    return calculatePriority(sum, containers.length);
  },
} satisfies ScorePlugin;

