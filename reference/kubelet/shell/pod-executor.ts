/**
 * Carries out the sync core's actions through CRI: sandbox config from the Pod (labels the
 * observer reads back, log folder, host network, runtime handler), container configs
 * (command, args, env, log path <container>/<attempt>.log as the kubelet lays it out), and
 * graceful kills (every container gets the grace period at once, then the sandbox goes).
 */
import { join } from 'node:path';
import type { ContainerConfig, Cri, PodSandboxConfig } from '../../../src/ports/cri.ts';
import type { PodAction } from '../core/pod-sync.ts';
import type { ContainerSpec, PodJson } from '../core/pod-types.ts';
import type { ObservedPod } from '../core/observed-pod.ts';
import { LABEL_CONTAINER_NAME, LABEL_NODE, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from './runtime-observer.ts';

export function podLogDirectory(root: string, pod: PodJson): string {
  return join(root, 'pods', `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`);
}

export function sandboxConfig(root: string, nodeName: string, pod: PodJson, attempt: number): PodSandboxConfig {
  return {
    metadata: { name: pod.metadata.name, uid: pod.metadata.uid, namespace: pod.metadata.namespace, attempt },
    hostname: pod.metadata.name.slice(0, 63),
    logDirectory: podLogDirectory(root, pod),
    labels: {
      [LABEL_POD_NAME]: pod.metadata.name,
      [LABEL_POD_NAMESPACE]: pod.metadata.namespace,
      [LABEL_POD_UID]: pod.metadata.uid,
      [LABEL_NODE]: nodeName,
    },
    annotations: pod.metadata.annotations ?? {},
    linux: { securityContext: { namespaceOptions: { network: pod.spec.hostNetwork ? 'NODE' : 'POD' } } },
  };
}

export function containerConfig(pod: PodJson, spec: ContainerSpec, attempt: number): ContainerConfig {
  return {
    metadata: { name: spec.name, attempt },
    image: { image: spec.image },
    ...(spec.command ? { command: spec.command } : {}),
    ...(spec.args ? { args: spec.args } : {}),
    envs: (spec.env ?? []).map((e) => ({ key: e.name, value: e.value ?? '' })),
    labels: { [LABEL_CONTAINER_NAME]: spec.name, [LABEL_POD_UID]: pod.metadata.uid, [LABEL_POD_NAME]: pod.metadata.name, [LABEL_POD_NAMESPACE]: pod.metadata.namespace },
    logPath: join(spec.name, `${attempt}.log`),
    ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
  };
}

export interface ExecutorContext {
  cri: Cri;
  root: string;
  nodeName: string;
  log: (line: string) => void;
  /** The RuntimeClass handler for the Pod ('' for the default). */
  handler: string;
  /** Called when a container (re)starts, so its probes start afresh. */
  onContainerStarted: (uid: string, name: string) => void;
}

export async function killPod(ctx: ExecutorContext, observed: ObservedPod, gracePeriodSeconds: number): Promise<void> {
  await Promise.all(observed.containers.filter((c) => c.state === 'running').map((c) => ctx.cri.stopContainer(c.id, gracePeriodSeconds).catch(() => undefined)));
  if (observed.sandbox) {
    await ctx.cri.stopPodSandbox(observed.sandbox.id).catch(() => undefined);
    await ctx.cri.removePodSandbox(observed.sandbox.id).catch(() => undefined);
  }
}

export async function execute(ctx: ExecutorContext, pod: PodJson, observed: ObservedPod, action: PodAction): Promise<void> {
  const who = `${pod.metadata.namespace}/${pod.metadata.name}`;
  switch (action.kind) {
    case 'runSandbox': {
      const id = await ctx.cri.runPodSandbox(sandboxConfig(ctx.root, ctx.nodeName, pod, action.attempt), ctx.handler || undefined);
      ctx.log(`pod ${who}: sandbox ${id.slice(0, 12)} created (attempt ${action.attempt}${ctx.handler ? `, handler ${ctx.handler}` : ''})`);
      observed.sandbox = { id, ready: true, ip: '', attempt: action.attempt };
      return;
    }
    case 'startContainer': {
      const sandbox = observed.sandbox;
      if (!sandbox) throw new Error('no sandbox to start a container in');
      if (!(await ctx.cri.imageStatus(action.container.image))) await ctx.cri.pullImage(action.container.image);
      const id = await ctx.cri.createContainer(sandbox.id, containerConfig(pod, action.container, action.attempt), sandboxConfig(ctx.root, ctx.nodeName, pod, sandbox.attempt));
      await ctx.cri.startContainer(id);
      ctx.onContainerStarted(pod.metadata.uid, action.container.name);
      ctx.log(`pod ${who}: ${action.init ? 'init ' : ''}container ${action.container.name} started (attempt ${action.attempt})`);
      return;
    }
    case 'killContainer':
      ctx.log(`pod ${who}: killing container ${action.name}: ${action.reason}`);
      await ctx.cri.stopContainer(action.id, action.gracePeriodSeconds);
      return;
    case 'removeContainer':
      await ctx.cri.removeContainer(action.id).catch(() => undefined);
      return;
    case 'killPod':
      ctx.log(`pod ${who}: stopping (grace ${action.gracePeriodSeconds}s)`);
      await killPod(ctx, observed, action.gracePeriodSeconds);
      return;
  }
}
