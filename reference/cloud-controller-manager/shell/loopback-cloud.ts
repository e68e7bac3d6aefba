/**
 * The reference cloud: load balancers are real TCP relays on loopback addresses
 * (127.77.x.y, or the 127.a.b.0/24 block of its cloud config; the kernel routes all of 127/8
 * to lo without configuration) forwarding to the
 * NodePorts of eligible nodes. Addresses are handed out in order and reused after deletion.
 * A Service annotated `loopback-cloud.kck.io/fail: "<message>"` makes ensure fail with that
 * message, so scenarios can watch provider errors surface as Events and be retried.
 */
import type { Node } from '../../client-machinery/core/api-types.ts';
import type { Service } from '../../controller-manager/core/workload-types.ts';
import type { CloudProvider, Instances, LoadBalancer, LoadBalancerStatus } from '../core/cloud-provider.ts';
import { backends } from '../core/service-lb-decision.ts';
import { balancerAddress, type AddressBlock } from '../core/balancer-addresses.ts';
import { TcpRelay } from './tcp-relay.ts';

export const FAIL_ANNOTATION = 'loopback-cloud.kck.io/fail';

interface Balancer {
  ip: string;
  index: number;
  relays: Map<number, TcpRelay>;
}

export class LoopbackCloud implements CloudProvider, LoadBalancer, Instances {
  readonly name = 'loopback';
  private readonly balancers = new Map<string, Balancer>();

  constructor(private readonly log: (line: string) => void, private readonly addresses: AddressBlock = {}) {}

  loadBalancer(): LoadBalancer {
    return this;
  }

  instances(): Instances {
    return this;
  }

  private id(svc: Service): string {
    return svc.metadata.uid ?? `${svc.metadata.namespace}/${svc.metadata.name}`;
  }

  async getLoadBalancer(_cluster: string, svc: Service): Promise<LoadBalancerStatus | undefined> {
    const b = this.balancers.get(this.id(svc));
    return b === undefined ? undefined : { ingress: [{ ip: b.ip }] };
  }

  async ensureLoadBalancer(_cluster: string, svc: Service, nodes: readonly Node[]): Promise<LoadBalancerStatus> {
    const failure = svc.metadata.annotations?.[FAIL_ANNOTATION];
    if (failure !== undefined) throw new Error(failure === '' ? 'injected provider failure' : failure);
    let b = this.balancers.get(this.id(svc));
    if (b === undefined) {
      const used = new Set([...this.balancers.values()].map((x) => x.index));
      let index = 0;
      while (used.has(index)) index++;
      const ip = balancerAddress(this.addresses, index);
      if (ip === undefined) throw new Error(`no free load balancer address: all ${index} are in use`);
      b = { ip, index, relays: new Map() };
      this.balancers.set(this.id(svc), b);
      this.log(`allocated ${b.ip} for ${svc.metadata.namespace}/${svc.metadata.name}`);
    }
    const wanted = new Set((svc.spec.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => p.port));
    for (const [port, relay] of b.relays) {
      if (!wanted.has(port)) {
        await relay.close();
        b.relays.delete(port);
      }
    }
    for (const port of wanted) {
      const targets = backends(svc, nodes, port);
      const existing = b.relays.get(port);
      if (existing !== undefined) existing.setBackends(targets);
      else {
        const relay = new TcpRelay(b.ip, port, targets, this.log);
        await relay.listen();
        b.relays.set(port, relay);
      }
    }
    return { ingress: [{ ip: b.ip }] };
  }

  async updateLoadBalancer(_cluster: string, svc: Service, nodes: readonly Node[]): Promise<void> {
    const b = this.balancers.get(this.id(svc));
    if (b === undefined) return;
    for (const [port, relay] of b.relays) relay.setBackends(backends(svc, nodes, port));
  }

  async ensureLoadBalancerDeleted(_cluster: string, svc: Service): Promise<void> {
    const b = this.balancers.get(this.id(svc));
    if (b === undefined) return;
    for (const relay of b.relays.values()) await relay.close();
    this.balancers.delete(this.id(svc));
    this.log(`released ${b.ip} of ${svc.metadata.namespace}/${svc.metadata.name}`);
  }

  async nodeAddresses(node: Node): Promise<{ type: string; address: string }[]> {
    const current = node.status?.addresses ?? [];
    const out = current.filter((a) => a.type !== 'Hostname');
    out.push({ type: 'Hostname', address: node.metadata.name });
    return out;
  }

  async providerId(node: Node): Promise<string> {
    return `loopback://${node.metadata.name}`;
  }

  async close(): Promise<void> {
    for (const b of this.balancers.values()) for (const r of b.relays.values()) await r.close();
    this.balancers.clear();
  }
}
