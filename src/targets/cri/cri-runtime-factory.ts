/**
 * Chooses the CRI runtime for runtime scenarios from env KCK_CRI: `reference` (default) or
 * `containerd`. The same scenarios and the same client run against either (S9.2).
 */
import type { CriRuntimeFactory } from '../../ports/cri.ts';
import { ContainerdRuntime } from './containerd-runtime.ts';
import { ReferenceCriRuntime } from './reference-runtime.ts';

export function criRuntimeFactory(choice: string = process.env['KCK_CRI'] ?? 'reference'): CriRuntimeFactory {
  if (choice === 'reference') return new ReferenceCriRuntime();
  if (choice === 'containerd') return new ContainerdRuntime();
  throw new Error(`KCK_CRI must be reference or containerd, got "${choice}"`);
}
