/**
 * The cucumber World of the kit: one per scenario. It holds the target (shared by the
 * scenarios of a worker, or private to a disruptive scenario), the scenario's own
 * namespace, a stack of clean-up functions run in reverse, and named things that steps
 * remember ("the deployment web", "the watch W").
 */
import { setWorldConstructor, World, type IWorldOptions } from '@cucumber/cucumber';
import type { KubeApi } from '../ports/kube-api.ts';
import type { StartedTarget, Target } from '../ports/target.ts';
import { STATUS_MEDIA_TYPE } from './applicability.ts';
import { eventually } from './eventually.ts';

export type CleanUp = () => Promise<void> | void;

export interface KitParameters {
  /** Overrides KCK_TARGET. */
  target?: string;
}

export class KitWorld extends World<KitParameters> {
  /** Set by the Before hook once the scenario is known to be applicable. */
  target!: Target;
  private started: StartedTarget | undefined;
  private startedBy: (() => Promise<StartedTarget>) | undefined;
  /** The scenario's own namespace, created by the kit and deleted after it. */
  namespace = '';
  private readonly cleanUps: CleanUp[] = [];
  private readonly things = new Map<string, unknown>();

  constructor(options: IWorldOptions<KitParameters>) {
    super(options);
  }

  /** Hooks give the world a way to reach the running target; started on first use. */
  useTarget(target: Target, start: () => Promise<StartedTarget>): void {
    this.target = target;
    this.startedBy = start;
  }

  async running(): Promise<StartedTarget> {
    if (this.started === undefined) {
      if (this.startedBy === undefined) throw new Error('no target: the Before hook did not run');
      this.started = await this.startedBy();
    }
    return this.started;
  }

  /** Whether the scenario's target is running (a failure report can then read its state). */
  hasStarted(): boolean {
    return this.started !== undefined;
  }

  get kube(): KubeApi {
    if (this.started === undefined) throw new Error('the target is not started yet: call `await world.running()` first');
    return this.started.kube;
  }

  /**
   * For a step that finds out only on the running target that the scenario does not apply
   * (e.g. the cluster runs another IPVS scheduler): records the reason the claims report
   * shows. The step then returns 'skipped'.
   */
  notApplicable(reason: string): 'skipped' {
    this.attach(JSON.stringify({ target: this.target.name, status: 'not-applicable', reason }), STATUS_MEDIA_TYPE);
    return 'skipped';
  }

  /** The port a scenario needs; a missing one means the target declared a capability it cannot serve. */
  async port<K extends 'topology' | 'faults' | 'network'>(name: K): Promise<NonNullable<StartedTarget[K]>> {
    const value = (await this.running())[name];
    if (value === undefined || value === null) throw new Error(`target ${this.target.name} has no ${name} port`);
    return value as NonNullable<StartedTarget[K]>;
  }

  /** Factories that start their own etcd clusters or CRI runtimes, without the target's cluster. */
  factory<K extends 'etcdClusters' | 'cri'>(name: K): NonNullable<Target[K]> {
    const value = this.target[name];
    if (value === undefined) throw new Error(`target ${this.target.name} has no ${name} factory`);
    return value as NonNullable<Target[K]>;
  }

  /**
   * The scenario's own namespace, created on first use and deleted (with everything in it)
   * after the scenario, so scenarios can share a cluster and run in parallel.
   */
  async scenarioNamespace(): Promise<string> {
    if (this.namespace !== '') return this.namespace;
    const kube = (await this.running()).kube;
    const name = `kck-${this.pickleSlug}-${Math.random().toString(36).slice(2, 7)}`;
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kck.io/scenario': 'true' } } });
    this.namespace = name;
    this.onCleanUp(async () => {
      await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name }).catch((error: unknown) => {
        if (!(error instanceof Error && /404/.test(error.message))) throw error;
      });
    });
    // The serviceaccount controller gives every namespace its "default" ServiceAccount soon
    // after it is created, and until then upstream's ServiceAccount admission rejects Pods
    // ("serviceaccount default not found"). Kubernetes' own e2e framework waits for it
    // (WaitForDefaultServiceAccountInNamespace); so does the kit, on every target.
    await eventually(`the ServiceAccount ${name}/default to be created by the controller-manager`, async () => {
      if ((await kube.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: name, name: 'default' })) === undefined) throw new Error('not there yet');
    });
    return name;
  }

  /** Set by the Before hook: a DNS-label-safe slug of the scenario name. */
  pickleSlug = 'scenario';

  onCleanUp(fn: CleanUp): void {
    this.cleanUps.push(fn);
  }

  /** Runs clean-ups in reverse order; every one runs even if some fail. */
  async cleanUp(): Promise<Error[]> {
    const errors: Error[] = [];
    while (this.cleanUps.length > 0) {
      const fn = this.cleanUps.pop()!;
      try {
        await fn();
      } catch (error) {
        errors.push(error instanceof Error ? error : new Error(String(error)));
      }
    }
    return errors;
  }

  remember<T>(name: string, value: T): T {
    this.things.set(name, value);
    return value;
  }

  recall<T>(name: string): T {
    if (!this.things.has(name)) throw new Error(`the scenario has no "${name}" yet (known: ${[...this.things.keys()].join(', ') || 'none'})`);
    return this.things.get(name) as T;
  }

  has(name: string): boolean {
    return this.things.has(name);
  }
}

setWorldConstructor(KitWorld);
