/**
 * Faults on the reference cluster: its components are the kit's own child processes, so a
 * crash is a SIGKILL and a restart is the same command started again (with the same data).
 */
import type { Faults } from '../../ports/faults.ts';
import type { ReferenceCluster } from './reference-cluster.ts';

export class ReferenceFaults implements Faults {
  constructor(private readonly cluster: ReferenceCluster) {}

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
    // Without network namespaces per node, a node "loses its network" when its kubelet can
    // no longer reach the apiserver: stopping the kubelet process is the observable part.
    await this.component(`kubelet-${node}`).kill();
  }

  async healNode(node: string): Promise<void> {
    await this.start(`kubelet-${node}`);
  }

  async addNode(): Promise<string> {
    return this.cluster.addNode();
  }

  private component(instance: string) {
    const component = this.cluster.components.get(instance);
    if (component === undefined) throw new Error(`the reference cluster has no component ${instance} (has: ${[...this.cluster.components.keys()].join(', ')})`);
    return component;
  }
}
