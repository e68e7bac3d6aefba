/**
 * What the controllers of one kube-controller-manager share: the API, one informer per kind
 * (started once, shared by every controller that needs it), the Event recorder, the log and
 * the clock, and the executor for reconcilers' actions.
 */
import type { KindRef, KubeApi, KubeObject } from '../../../src/ports/kube-api.ts';
import { EventRecorder } from '../../client-machinery/shell/event-recorder.ts';
import { Informer } from '../../client-machinery/shell/informer.ts';
import type { Action } from '../core/actions.ts';

export class ControllerContext {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  readonly events: EventRecorder;

  constructor(
    readonly api: KubeApi,
    readonly log: (line: string) => void,
    readonly now: () => number = Date.now,
  ) {
    this.events = new EventRecorder(api, { component: 'controller-manager', log });
  }

  informer<T extends KubeObject>(kind: KindRef): Informer<T> {
    const key = `${kind.apiVersion}/${kind.kind}`;
    let inf = this.informers.get(key);
    if (inf === undefined) {
      inf = new Informer<KubeObject>(this.api, { kind, log: this.log });
      this.informers.set(key, inf);
    }
    return inf as unknown as Informer<T>;
  }

  async startInformers(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => (i.synced ? Promise.resolve() : i.start())));
  }

  stop(): void {
    for (const i of this.informers.values()) i.stop();
  }

  /**
   * Performs actions in order. Conflicts (409) and vanished objects (404) end the batch
   * quietly: the informer will show the newer state and the key is reconciled again.
   * Returns the results of creates (for expectations) and throws on other errors.
   */
  async apply(actions: readonly Action[], hooks: { created?: (obj: KubeObject) => void; createFailed?: () => void } = {}): Promise<void> {
    for (const a of actions) {
      if (process.env['KCK_DEBUG_ACTIONS'] === '1') this.log(`action ${a.type} ${JSON.stringify('key' in a ? a.key : a.object.metadata).slice(0, 300)}`);
      try {
        switch (a.type) {
          case 'create': {
            const created = await this.api.create(a.object);
            if (process.env['KCK_DEBUG_ACTIONS'] === '1') this.log(`created ${JSON.stringify(created).slice(0, 400)}`);
            hooks.created?.(created);
            break;
          }
          case 'update':
            await this.api.update(a.object);
            break;
          case 'updateStatus':
            await this.api.updateStatus(a.object);
            break;
          case 'patch':
            await this.api.patch(a.key, a.patch, a.patchType, a.subresource !== undefined ? { subresource: a.subresource } : {});
            break;
          case 'delete': {
            const options: { preconditions?: { uid: string }; propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' } = {};
            if (a.uid !== undefined && a.uid !== '') options.preconditions = { uid: a.uid };
            if (a.propagationPolicy !== undefined) options.propagationPolicy = a.propagationPolicy;
            await this.api.delete(a.key, options);
            break;
          }
          case 'event':
            this.events.event(a.object, a.eventType, a.reason, a.message);
            break;
        }
      } catch (error) {
        if (a.type === 'create') hooks.createFailed?.();
        const status = (error as { status?: number }).status;
        if (status === 404 && a.type === 'delete') continue; // already gone: the goal is met
        if (status === 409 || status === 404 || status === 422) {
          // 422 on a json-patch "test": the object changed under us; 409: stale write.
          this.log(`${a.type} ${'key' in a ? a.key.name : (a.object.metadata.name ?? a.object.metadata.generateName ?? '')}: ${status}, will retry from fresh state`);
          throw new RetryableConflict(String(error));
        }
        throw error;
      }
    }
  }
}

export class RetryableConflict extends Error {}
