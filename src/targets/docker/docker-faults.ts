/**
 * Faults on the docker target: container kill (SIGKILL), stop (SIGTERM) and start; a node
 * loses its network when its container is disconnected from the run network (its kubelet no
 * longer reaches the apiserver, nothing reaches its Pods) and gets it back, at the same
 * address, when reconnected.
 */
import type { Faults } from '../../ports/faults.ts';
import { docker } from './docker-cli.ts';
import type { DockerCluster, DockerNode } from './docker-cluster.ts';
import type { DockerComponent } from './docker-component.ts';

export class DockerFaults implements Faults {
  constructor(private readonly cluster: DockerCluster) {}

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
    const id = this.node(node).container.id;
    if (id === undefined) throw new Error(`node ${node} has no container`);
    await docker(['network', 'disconnect', this.cluster.net.name, id]);
  }

  async healNode(node: string): Promise<void> {
    const { container, plan } = this.node(node);
    if (container.id === undefined) throw new Error(`node ${node} has no container`);
    await docker(['network', 'connect', '--ip', plan.address, this.cluster.net.name, container.id]);
    // The routes to other nodes' Pods went with the interface.
    await this.cluster.addRoutes(node);
  }

  async addNode(): Promise<string> {
    return this.cluster.addNode();
  }

  private node(name: string): DockerNode {
    const node = this.cluster.nodes.get(name);
    if (node === undefined) throw new Error(`the docker cluster has no node ${name} (has: ${[...this.cluster.nodes.keys()].join(', ')})`);
    return node;
  }

  private component(instance: string): DockerComponent {
    const component = this.cluster.components.get(instance);
    if (component === undefined) throw new Error(`the docker cluster has no component ${instance} (has: ${[...this.cluster.components.keys()].join(', ')})`);
    return component;
  }
}
