/**
 * Faults on the upstream target: every component is a child process the kit started, so a
 * crash is SIGKILL, a stop is SIGTERM, and a start runs the same command again on the same
 * data. Instance names are the topology's ('kube-apiserver-1', 'kubelet-node-2').
 */
import type { Faults } from '../../ports/faults.ts';
import type { UpstreamCluster } from './upstream-cluster.ts';

interface Controllable {
  readonly running: boolean;
  kill(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export class UpstreamFaults implements Faults {
  constructor(private readonly cluster: UpstreamCluster) {}

  async kill(instance: string): Promise<void> {
    await this.component(instance).kill();
  }

  async stop(instance: string): Promise<void> {
    await this.component(instance).stop();
  }

  async start(instance: string): Promise<void> {
    const component = this.component(instance);
    if (component.running) throw new Error(`${instance} is already running`);
    await component.start();
  }

  async isolateNode(node: string): Promise<void> {
    // As on the reference target: the observable part of a node losing its network is its
    // kubelet no longer reaching the apiserver.
    await this.component(`kubelet-${node}`).kill();
  }

  async healNode(node: string): Promise<void> {
    await this.start(`kubelet-${node}`);
  }

  async addNode(): Promise<string> {
    return this.cluster.addNode();
  }

  private component(instance: string): Controllable {
    const node = this.cluster.nodeProcesses.get(instance);
    if (node !== undefined) return node;
    const reference = this.cluster.referenceControllers.get(instance);
    if (reference !== undefined) return reference;
    const controlPlane = this.cluster.controlPlane.components.get(instance);
    if (controlPlane !== undefined) return controlPlane;
    const known = [...this.cluster.controlPlane.components.keys(), ...this.cluster.referenceControllers.keys(), ...this.cluster.nodeProcesses.keys()];
    throw new Error(`the upstream target has no component ${instance} (has: ${known.join(', ')})`);
  }
}
