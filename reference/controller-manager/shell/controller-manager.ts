/**
 * kube-controller-manager minus flags: builds the selected controllers on one shared
 * ControllerContext, starts the informers once, runs every controller until stop().
 * Controller names follow upstream's --controllers: replicaset, deployment, endpoint,
 * endpointslice, nodelifecycle, garbagecollector, namespace, serviceaccount, podgc; "*" is all,
 * "-name" disables one.
 */
import type { KubeApi } from '../../../src/ports/kube-api.ts';
import { ControllerContext } from './controller-context.ts';
import { startDeploymentController } from './deployment-controller.ts';
import { startEndpointsController } from './endpoints-controller.ts';
import { startGarbageCollector } from './garbage-collector.ts';
import { startNamespaceController } from './namespace-controller.ts';
import { startPodGcController } from './pod-gc-controller.ts';
import { startNodeLifecycleController } from './node-lifecycle-controller.ts';
import { startReplicaSetController } from './replica-set-controller.ts';
import { startServiceAccountController } from './service-account-controller.ts';

export const ALL_CONTROLLERS = ['replicaset', 'deployment', 'endpoint', 'endpointslice', 'nodelifecycle', 'garbagecollector', 'namespace', 'serviceaccount', 'podgc'] as const;

export interface ControllerManagerOptions {
  controllers?: readonly string[];
  nodeMonitorGracePeriodMs?: number;
  nodeMonitorPeriodMs?: number;
  log?: (line: string) => void;
}

export function selectControllers(spec: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const s of spec) {
    if (s === '*') for (const c of ALL_CONTROLLERS) out.add(c);
    else if (s.startsWith('-')) out.delete(s.slice(1));
    else if ((ALL_CONTROLLERS as readonly string[]).includes(s)) out.add(s);
  }
  return out;
}

export class ControllerManager {
  private readonly ctx: ControllerContext;
  private readonly running: { run(): Promise<void>; stop(): void }[] = [];
  private done: Promise<unknown> | undefined;

  constructor(api: KubeApi, private readonly options: ControllerManagerOptions = {}) {
    this.ctx = new ControllerContext(api, options.log ?? (() => undefined));
  }

  async start(): Promise<string[]> {
    const enabled = selectControllers(this.options.controllers ?? ['*']);
    const ctx = this.ctx;
    if (enabled.has('replicaset')) this.running.push(startReplicaSetController(ctx));
    if (enabled.has('deployment')) this.running.push(startDeploymentController(ctx));
    // Endpoints and EndpointSlices are written by one controller (same inputs, one pass).
    if (enabled.has('endpoint') || enabled.has('endpointslice')) this.running.push(startEndpointsController(ctx));
    if (enabled.has('nodelifecycle')) this.running.push(startNodeLifecycleController(ctx, { gracePeriodMs: this.options.nodeMonitorGracePeriodMs ?? 40_000, monitorPeriodMs: this.options.nodeMonitorPeriodMs ?? 5000 }));
    if (enabled.has('garbagecollector')) this.running.push(startGarbageCollector(ctx));
    if (enabled.has('namespace')) this.running.push(startNamespaceController(ctx));
    if (enabled.has('podgc')) this.running.push(startPodGcController(ctx, this.options.nodeMonitorPeriodMs ?? 5000));
    if (enabled.has('serviceaccount')) this.running.push(startServiceAccountController(ctx));
    await ctx.startInformers();
    this.done = Promise.all(this.running.map((c) => c.run()));
    return [...enabled];
  }

  async stop(): Promise<void> {
    for (const c of this.running) c.stop();
    this.ctx.stop();
    await this.done;
    await this.ctx.events.flush();
  }
}
