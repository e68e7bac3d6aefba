/**
 * Chooses the CRI runtime for runtime scenarios from env KCK_CRI: `reference` (default),
 * `containerd` (a private instance the kit starts), or `unix:///path.sock` (a runtime that is
 * already running, e.g. a system containerd, with the kit's images imported into it by
 * `ctr -n k8s.io images import`). The same scenarios and the same client run against any (S9.2).
 */
import type { Cri, CriRuntimeFactory } from '../../ports/cri.ts';
import { CriClient } from '../../clients/cri/cri-client.ts';
import { PAUSE_IMAGE, WORKLOAD_IMAGE } from '../../../reference/workloads/catalogue.ts';
import { ContainerdRuntime } from './containerd-runtime.ts';
import { ReferenceCriRuntime } from './reference-runtime.ts';

export interface NodeNetwork { podCidr: string; bridge: string; nodeName?: string }

export function criRuntimeFactory(choice: string = process.env['KCK_CRI'] ?? 'reference', node?: NodeNetwork): CriRuntimeFactory {
  if (choice === 'reference') return new ReferenceCriRuntime(node ? { podCidr: node.podCidr, bridge: node.bridge, ...(node.nodeName ? { nodeName: node.nodeName } : {}) } : {});
  if (choice === 'containerd') return new ContainerdRuntime(node ? { podCidr: node.podCidr, bridge: node.bridge } : {});
  if (choice.startsWith('unix://')) return new ExistingCriRuntime(choice);
  throw new Error(`KCK_CRI must be reference, containerd or unix:///path.sock, got "${choice}"`);
}

/** A runtime the kit did not start: it connects, and stop() only disconnects. */
export class ExistingCriRuntime implements CriRuntimeFactory {
  readonly implementation: string;
  readonly images = { pause: `docker.io/${PAUSE_IMAGE}`, workload: `docker.io/${WORKLOAD_IMAGE}` };

  constructor(private readonly endpoint: string) {
    this.implementation = `existing runtime at ${endpoint}`;
  }

  async start(): Promise<{ cri: Cri; stop(): Promise<void> }> {
    const cri = new CriClient(this.endpoint);
    await cri.version();
    return { cri, stop: async () => cri.close() };
  }
}
