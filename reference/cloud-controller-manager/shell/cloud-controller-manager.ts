/** cloud-controller-manager minus flags: the service and cloud-node controllers on one provider. */
import type { KubeApi } from '../../../src/ports/kube-api.ts';
import type { CloudProvider } from '../core/cloud-provider.ts';
import { startCloudNodeController } from './cloud-node-controller.ts';
import { startServiceController } from './service-controller.ts';

export class CloudControllerManager {
  private readonly parts: { start(): Promise<void>; stop(): Promise<void> }[] = [];

  constructor(api: KubeApi, provider: CloudProvider, options: { clusterName?: string; controllers?: readonly string[]; log: (line: string) => void }) {
    const enabled = new Set(options.controllers?.includes('*') === false ? options.controllers : ['service', 'cloud-node']);
    const lb = provider.loadBalancer();
    const instances = provider.instances();
    if (enabled.has('service') && lb !== undefined) this.parts.push(startServiceController(api, lb, { clusterName: options.clusterName ?? 'kubernetes', log: options.log }));
    if (enabled.has('cloud-node') && instances !== undefined) this.parts.push(startCloudNodeController(api, instances, options.log));
  }

  async start(): Promise<void> {
    for (const p of this.parts) await p.start();
  }

  async stop(): Promise<void> {
    for (const p of this.parts) await p.stop();
  }
}
