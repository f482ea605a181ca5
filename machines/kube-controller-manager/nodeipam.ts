/**
 * The node IPAM controller's range allocator (pkg/controller/nodeipam/ipam/range_allocator.go):
 * every Node without spec.podCIDR gets the next free /24 of the cluster CIDR, in the order the
 * Nodes are first seen, through a merge PATCH. CIDRs already on Nodes are marked taken as soon as
 * they are seen, before any allocation, so no CIDR is ever handed to two Nodes.
 */
import type { Node } from '../../src/api/objects.ts';
import { recordEvent } from '../client/events.ts';
import { Informer, type Delta } from '../client/informer.ts';
import type { ApiEvent, ApiPort } from '../client/port.ts';
import { CidrSet } from './cidrset.ts';
import { controllerMachine, type Controller } from './controller.ts';
import { WorkQueue } from './queue.ts';
import { WriteExpectations } from './writes.ts';

export const NODE_IPAM_CONTROLLER = 'nodeipam-controller';
// Upstream's range allocator records its events as "cidrAllocator".
const SOURCE = { component: 'cidrAllocator' };

export class NodeIpamController implements Controller {
  readonly queue = new WorkQueue();
  readonly nodes = new Informer('nodeipam/nodes', { group: '', version: 'v1', resource: 'nodes' });
  readonly cidrs: CidrSet;
  /** node name -> the CIDR it has or is being given. */
  readonly allocations = new Map<string, string>();
  private readonly writes = new WriteExpectations();
  private readonly requests = new Map<string, string>();

  constructor(private readonly port: ApiPort, clusterCidr?: string, maskSize?: number) {
    this.cidrs = new CidrSet(clusterCidr, maskSize);
  }

  start(): void {
    this.nodes.start(this.port);
  }

  synced(): boolean {
    return this.nodes.synced;
  }

  handle(e: ApiEvent): void {
    if (this.nodes.owns(e)) for (const d of this.nodes.handle(e, this.port)) this.onNode(d);
    else if (e.type === 'api.response') {
      const name = this.requests.get(e.requestId);
      if (name === undefined) return;
      this.requests.delete(e.requestId);
      this.onResponse(name, e.code, e.body);
    }
  }

  sync(name: string): void {
    const node = this.nodes.get(undefined, name) as Node | undefined;
    const now = this.port.now();
    if (!node) {
      const cidr = this.allocations.get(name);
      if (cidr) this.cidrs.release(cidr);
      this.allocations.delete(name);
      this.writes.forget(name);
      this.queue.forget(name);
      return;
    }
    if (node.spec?.podCIDR) {
      this.observeCidr(name, node.spec.podCIDR);
      this.queue.forget(name);
      return;
    }
    if (!this.writes.satisfied(name, now)) {
      this.queue.addAfter(name, this.writes.expiresAt(name) ?? now);
      return;
    }
    const cidr = this.allocations.get(name) ?? this.cidrs.allocateNext();
    if (!cidr) {
      recordEvent(this.port, SOURCE, node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      this.queue.retry(name, now);
      return;
    }
    this.allocations.set(name, cidr);
    const id = this.port.request({
      verb: 'patch', group: '', version: 'v1', resource: 'nodes', name, patchType: 'merge',
      body: { spec: { podCIDR: cidr, podCIDRs: [cidr] } },
    }, `${NODE_IPAM_CONTROLLER}:patch`);
    this.requests.set(id, name);
    this.queue.begin(name);
  }

  private onResponse(name: string, code: number, body: unknown): void {
    const now = this.port.now();
    this.queue.end(name);
    if (code >= 200 && code < 300) {
      const rv = (body as Node).metadata.resourceVersion ?? null;
      this.port.note(`assigned podCIDR ${this.allocations.get(name)} to node ${name}`);
      this.writes.expect(name, name, rv, now, this.nodes.get(undefined, name)?.metadata.resourceVersion);
      return;
    }
    // A Node that is gone is released when its DELETED event arrives.
    if (code !== 404) this.queue.retry(name, now);
  }

  private onNode(d: Delta): void {
    const name = d.object.metadata.name ?? '';
    this.writes.observe(name, d.type === 'DELETED' ? null : d.object.metadata.resourceVersion ?? null);
    const cidr = (d.object as Node).spec?.podCIDR;
    if (d.type !== 'DELETED' && cidr) {
      this.observeCidr(name, cidr);
      return;
    }
    this.queue.add(name);
  }

  /** A Node shows a CIDR: it is taken, and whatever was being given to that Node is freed. */
  private observeCidr(name: string, cidr: string): void {
    const previous = this.allocations.get(name);
    if (previous === cidr) return;
    if (previous) this.cidrs.release(previous);
    if (!this.cidrs.occupy(cidr)) this.port.note(`node ${name} has podCIDR ${cidr} outside the cluster CIDR ${this.cidrs.clusterCidr}`);
    this.allocations.set(name, cidr);
  }
}

/** The node IPAM controller as an actor: input `{ port }`. */
export const nodeIpamControllerMachine = controllerMachine(NODE_IPAM_CONTROLLER, (port, flags) => new NodeIpamController(port, flags.clusterCIDR, flags.nodeCIDRMaskSize));
