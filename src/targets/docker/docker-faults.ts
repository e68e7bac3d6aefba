/** Faults on the docker target: container kill (SIGKILL), stop (SIGTERM) and start. */
import type { Faults } from '../../ports/faults.ts';
import type { DockerCluster } from './docker-cluster.ts';
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

  isolateNode(node: string): Promise<void> {
    return Promise.reject(new Error(`the docker target has no node containers yet (asked to isolate ${node})`));
  }

  healNode(node: string): Promise<void> {
    return Promise.reject(new Error(`the docker target has no node containers yet (asked to heal ${node})`));
  }

  addNode(): Promise<string> {
    return Promise.reject(new Error('the docker target has no node containers yet'));
  }

  private component(instance: string): DockerComponent {
    const component = this.cluster.components.get(instance);
    if (component === undefined) throw new Error(`the docker cluster has no component ${instance} (has: ${[...this.cluster.components.keys()].join(', ')})`);
    return component;
  }
}
