/**
 * Lifecycle of scenarios: applicability first, then a target (shared per worker, private
 * for @disruptive scenarios where the target can make one), a namespace per scenario on
 * first use, and clean-up in reverse order. A clean-up that fails fails the scenario.
 */
import { After, AfterAll, Before, Status, setDefaultTimeout, setParallelCanAssign, parallelCanAssignHelpers } from '@cucumber/cucumber';
import { isCapability, SHAPE_CAPABILITIES, type Capability, type StartedTarget, type Target } from '../ports/target.ts';
import { loadTarget } from '../targets/target-registry.ts';
import { applicability, capabilitiesOf, STATUS_MEDIA_TYPE } from './applicability.ts';
import { failureSnapshot, SNAPSHOT_MEDIA_TYPE } from './failure-snapshot.ts';
import { TIMEOUT_SCALE } from './eventually.ts';
import type { KitWorld } from './kit-world.ts';

// A step may wait several conditions in a row; starting a private cluster takes a while.
// The longest named deadline in the steps is 240 s; the step deadline stays above it.
setDefaultTimeout(300_000 * TIMEOUT_SCALE);

// Scenarios that change cluster-wide state never run beside another such scenario.
setParallelCanAssign(parallelCanAssignHelpers.atMostOnePicklePerTag(['@disruptive']));

let target: Target | undefined;
let shared: Promise<StartedTarget> | undefined;

function targetName(world: KitWorld): string {
  return world.parameters.target ?? process.env['KCK_TARGET'] ?? 'reference';
}

/** Capabilities served by factories that start their own etcd clusters or runtimes. */
const FACTORY_CAPABILITIES: readonly Capability[] = ['etcd-cluster', 'cri', 'runtime-classes'];

/**
 * Starting a cluster is set-up, not a step: it happens here, under a hook deadline of its own,
 * so a slow start (a loaded machine) does not eat the first step's deadline.
 */
const TARGET_START_TIMEOUT_MS = 600_000 * TIMEOUT_SCALE;

Before({ timeout: TARGET_START_TIMEOUT_MS }, async function (this: KitWorld, { pickle }) {
  target ??= await loadTarget(targetName(this));
  const tags = pickle.tags.map((t) => t.name);
  const verdict = applicability(target, tags);
  if (verdict.status !== 'run') {
    this.attach(JSON.stringify({ target: target.name, ...verdict }), STATUS_MEDIA_TYPE);
    return 'skipped';
  }
  this.pickleSlug = pickle.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 30).replace(/-$/, "") || "scenario";
  const chosen = target;
  const needs = capabilitiesOf(tags).filter(isCapability) as Capability[];
  const shaped = needs.some((c) => SHAPE_CAPABILITIES.includes(c));
  if ((tags.includes('@disruptive') || shaped) && chosen.privateClusters) {
    this.useTarget(chosen, async () => {
      const started = await chosen.start(needs);
      this.onCleanUp(() => started.stop());
      return started;
    });
  } else {
    this.useTarget(chosen, () => (shared ??= chosen.start()));
  }
  // Scenarios that only use the etcd or CRI factories never start the target's cluster.
  if (needs.length === 0 || needs.some((c) => !FACTORY_CAPABILITIES.includes(c))) await this.running();
  return undefined;
});

// Clean-up may stop a whole private cluster. A failed scenario first records what its
// namespace and the components looked like, before clean-up removes the evidence.
After({ timeout: 300_000 }, async function (this: KitWorld, { result }) {
  if (result?.status === Status.FAILED && this.hasStarted()) {
    const started = await this.running();
    const snapshot = await Promise.race([
      failureSnapshot(started.kube, this.namespace, started.logs),
      new Promise<string>((resolve) => setTimeout(() => resolve('(no snapshot: the cluster did not answer within 20 s)'), 20_000).unref()),
    ]);
    this.attach(snapshot, SNAPSHOT_MEDIA_TYPE);
  }
  const errors = await this.cleanUp();
  if (errors.length > 0) throw new Error(`clean-up failed: ${errors.map((e) => e.message).join('; ')}`);
});

AfterAll({ timeout: 120_000 }, async function () {
  if (shared !== undefined) await (await shared).stop();
});
