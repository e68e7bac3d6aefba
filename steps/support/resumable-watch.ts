/**
 * A watch that outlives its connection, as client-go's reflector does: when the stream breaks
 * (the apiserver instance serving it died) it watches again from the last resourceVersion it
 * saw, so no event is lost and none is seen twice. A 410 Gone (the resourceVersion is too old
 * to resume from) is recorded, not papered over with a relist: a check on the events would
 * otherwise pass over the gap.
 */
import { ApiError, type KindRef, type KubeApi, type Watch, type WatchEvent } from '../../src/ports/kube-api.ts';
import { eventually } from '../../src/world/eventually.ts';

export class ResumableWatch {
  /** Events of every connection, in arrival order. */
  readonly events: WatchEvent[] = [];
  /** Watch connections opened; more than one means the watch resumed. */
  connections = 0;
  /** Why the watch stopped resuming: the server refused the resourceVersion (410 Gone), or no instance answered. */
  failure: string | undefined;
  private current: Watch | undefined;
  private stopped = false;
  private resourceVersion: string;
  private loop: Promise<void> = Promise.resolve();
  private readonly listeners: Array<(event: WatchEvent) => void> = [];

  private constructor(
    private readonly kube: KubeApi,
    private readonly kind: KindRef,
    private readonly namespace: string,
    from: string,
  ) {
    this.resourceVersion = from;
  }

  /** Watches `kind` in `namespace` from `resourceVersion` (exclusive) until stop(). */
  static start(kube: KubeApi, kind: KindRef, namespace: string, resourceVersion: string): ResumableWatch {
    const watch = new ResumableWatch(kube, kind, namespace, resourceVersion);
    watch.loop = watch.run();
    return watch;
  }

  /** Calls `listener` for each event from now on (a component reacting to changes). */
  onEvent(listener: (event: WatchEvent) => void): void {
    this.listeners.push(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped && this.failure === undefined) {
      let watch: Watch;
      try {
        // While no instance answers, the connection is retried until one does (with a deadline):
        // a client keeps trying; one that gives up is reported.
        watch = await eventually(`a watch connection from resourceVersion ${this.resourceVersion}`, () => this.kube.watch(this.kind, { namespace: this.namespace, resourceVersion: this.resourceVersion }), {
          timeoutMs: 60_000,
          isFatal: (error) => error instanceof ApiError && error.status === 410,
        });
      } catch (error) {
        const gone = error instanceof ApiError && error.status === 410;
        this.failure = gone ? `the server cannot resume from resourceVersion ${this.resourceVersion}: ${error.message}` : `no watch connection: ${error instanceof Error ? error.message : String(error)}`;
        break;
      }
      this.connections += 1;
      this.current = watch;
      await new Promise<void>((resolve) => {
        watch.subscribe((event) => {
          if (event.type === 'ERROR') {
            const status = event.object as unknown as { code?: number; message?: string };
            if (status.code === 410) this.failure = `the server cannot resume from resourceVersion ${this.resourceVersion}: ${status.message ?? '410 Gone'}`;
            return;
          }
          this.events.push(event);
          for (const listener of this.listeners) listener(event);
          const rv = event.object.metadata.resourceVersion;
          if (rv !== undefined && rv !== '') this.resourceVersion = rv;
        }, () => resolve());
      });
    }
  }
}
