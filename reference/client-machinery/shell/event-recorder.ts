/**
 * Records core/v1 Events about objects, as client-go's EventRecorder: one Event per
 * (object, type, reason, message); a repeat bumps count and lastTimestamp instead of
 * creating another. Fire and forget: a lost Event must never stop a controller.
 */
import { randomBytes } from 'node:crypto';
import type { KubeApi, KubeObject } from '../../../src/ports/kube-api.ts';
import { EVENT } from '../core/api-types.ts';

export interface EventRecorderOptions {
  component: string;
  host?: string;
  log?: (line: string) => void;
  now?: () => number;
}

interface Recorded {
  name: string;
  namespace: string;
  count: number;
}

export class EventRecorder {
  private readonly seen = new Map<string, Recorded>();
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly api: KubeApi,
    private readonly options: EventRecorderOptions,
  ) {}

  /** `fieldPath` names the part of the object meant, e.g. `spec.containers{app}`. */
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void {
    const p = this.record(obj, type, reason, message, fieldPath).catch((error: unknown) => this.options.log?.(`event ${reason} on ${obj.metadata.name ?? ''} not recorded: ${String(error)}`));
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** Waits for Events already handed over (tests and shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.inflight]);
  }

  private async record(obj: KubeObject, type: string, reason: string, message: string, fieldPath: string | undefined): Promise<void> {
    const now = new Date((this.options.now ?? Date.now)()).toISOString().replace(/\.\d+Z$/, 'Z');
    const namespace = obj.metadata.namespace ?? 'default';
    const dedup = `${obj.metadata.uid ?? ''}\u0000${obj.kind}\u0000${namespace}/${obj.metadata.name ?? ''}\u0000${fieldPath ?? ''}\u0000${type}\u0000${reason}\u0000${message}`;
    const prior = this.seen.get(dedup);
    if (prior !== undefined) {
      prior.count++;
      try {
        await this.api.patch({ ...EVENT, name: prior.name, namespace: prior.namespace }, { count: prior.count, lastTimestamp: now }, 'merge');
        return;
      } catch {
        this.seen.delete(dedup); // the Event expired or was deleted: create a fresh one
      }
    }
    const name = `${obj.metadata.name ?? 'unknown'}.${randomBytes(8).toString('hex')}`;
    const involved: Record<string, string> = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name ?? '' };
    if (obj.metadata.namespace !== undefined) involved['namespace'] = obj.metadata.namespace;
    if (obj.metadata.uid !== undefined) involved['uid'] = obj.metadata.uid;
    if (obj.metadata.resourceVersion !== undefined) involved['resourceVersion'] = obj.metadata.resourceVersion;
    if (fieldPath !== undefined) involved['fieldPath'] = fieldPath;
    const source: Record<string, string> = { component: this.options.component };
    if (this.options.host !== undefined) source['host'] = this.options.host;
    await this.api.create({
      ...EVENT,
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      type,
      source,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      reportingComponent: this.options.component,
      reportingInstance: this.options.host ?? this.options.component,
    });
    this.seen.set(dedup, { name, namespace, count: 1 });
  }
}
