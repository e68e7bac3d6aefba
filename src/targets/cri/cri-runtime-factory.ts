/**
 * Chooses the CRI runtime for runtime scenarios from env KCK_CRI: `reference` (default) or
 * `containerd`. The same scenarios and the same client run against either (S9.2).
 */
import type { CriRuntimeFactory } from '../../ports/cri.ts';
import { ContainerdRuntime } from './containerd-runtime.ts';
import { ReferenceCriRuntime } from './reference-runtime.ts';

export interface NodeNetwork { podCidr: string; bridge: string; nodeName?: string }

export function criRuntimeFactory(choice: string = process.env['KCK_CRI'] ?? 'reference', node?: NodeNetwork): CriRuntimeFactory {
  if (choice === 'reference') return new ReferenceCriRuntime(node ? { podCidr: node.podCidr, bridge: node.bridge, ...(node.nodeName ? { nodeName: node.nodeName } : {}) } : {});
  if (choice === 'containerd') return new ContainerdRuntime(node ? { podCidr: node.podCidr, bridge: node.bridge } : {});
  throw new Error(`KCK_CRI must be reference or containerd, got "${choice}"`);
}
