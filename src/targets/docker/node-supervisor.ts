/**
 * `kck node --plan FILE`: the process of a node container. Starts the node's components in
 * order (the runtime until its CRI socket answers, then the kubelet, then kube-proxy), each
 * line of their output prefixed with the component's name on the container's output. A
 * component that exits takes the node down (the others get SIGTERM, the supervisor exits
 * non-zero), so docker shows the failure and the kit's readiness check stops waiting.
 * SIGTERM (docker stop) is passed on, in reverse start order. A plan with a setup (containerd
 * as the runtime, node-containerd-plan.ts) has its files written and cgroups made writable
 * before anything starts, and the kit's images imported before the kubelet starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CriClient } from '../../clients/cri/cri-client.ts';
import { KCK_BIN } from '../reference/component-process.ts';
import type { NodeContainerPlan } from './node-container-plan.ts';
import { importImages, makeCgroupsWritable, writeSetupFiles } from './node-setup.ts';

const CRI_DEADLINE_MS = 60_000;

function prefixed(name: string, stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream): void {
  if (stream === null) return;
  createInterface({ input: stream }).on('line', (line) => out.write(`[${name}] ${line}\n`));
}

async function criAnswers(endpoint: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + CRI_DEADLINE_MS;
  const cri = new CriClient(endpoint);
  try {
    for (;;) {
      if (exited()) throw new Error('the runtime exited before its CRI socket answered');
      try {
        await cri.version();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`the runtime's CRI socket ${endpoint} did not answer in ${CRI_DEADLINE_MS / 1000} s: ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    cri.close();
  }
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { plan: { type: 'string' } } });
  if (values.plan === undefined) throw new Error('kck node: --plan FILE is required');
  const plan = JSON.parse(await readFile(values.plan, 'utf8')) as NodeContainerPlan;
  const children: Array<{ name: string; child: ChildProcess }> = [];
  let stopping = false;

  const stopAll = (signal: NodeJS.Signals): void => {
    for (const { child } of [...children].reverse()) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const exitWhenAllGone = (code: number): void => {
    const left = children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
    if (left.length === 0) process.exit(code);
    // A component that ignores SIGTERM is killed: docker stop would do the same after its grace period.
    setTimeout(() => { stopAll('SIGKILL'); process.exit(code); }, 8_000).unref();
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      console.log(`[node] ${signal}: stopping ${children.map((c) => c.name).join(', ')}`);
      stopping = true;
      stopAll('SIGTERM');
      exitWhenAllGone(0);
    });
  }

  if (plan.setup !== undefined) {
    await writeSetupFiles(plan.setup);
    if (plan.setup.writableCgroups) await makeCgroupsWritable();
  }
  for (const component of plan.components) {
    const [file, args] = component.executable === undefined ? [process.execPath, [KCK_BIN, component.kck, ...component.args]] : [component.executable, component.args];
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push({ name: component.name, child });
    prefixed(component.name, child.stdout, process.stdout);
    prefixed(component.name, child.stderr, process.stderr);
    child.on('exit', (code, signal) => {
      if (stopping) {
        exitWhenAllGone(0);
        return;
      }
      console.error(`[node] ${component.name} exited (${signal ?? code ?? '?'}): the node goes down`);
      stopping = true;
      stopAll('SIGTERM');
      exitWhenAllGone(1);
    });
    if (component.kck === 'runtime') {
      await criAnswers(plan.criSocket, () => child.exitCode !== null || child.signalCode !== null);
      // Before the kubelet: its first Pods would otherwise ask the runtime to pull them (nothing can be pulled here).
      if (plan.setup !== undefined) await importImages(plan.setup);
    }
  }
  console.log(`[node] ${plan.node}: ${plan.components.map((c) => c.name).join(', ')} started`);
}
