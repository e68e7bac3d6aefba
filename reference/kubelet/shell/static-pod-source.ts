/**
 * Static Pods (S8.3): every *.yaml, *.yml or *.json file in --pod-manifest-path is a Pod this
 * kubelet runs on its own, polled every second. A removed file removes the Pod; an edited
 * one is a new Pod (its uid is derived from the content).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PodJson } from '../core/pod-types.ts';
import { staticPod } from '../core/static-pod.ts';

export class StaticPodSource {
  readonly pods = new Map<string, PodJson>();
  private readonly errors = new Set<string>();

  constructor(private readonly dir: string, private readonly nodeName: string, private readonly log: (line: string) => void) {}

  scan(): boolean {
    const next = new Map<string, PodJson>();
    let files: string[] = [];
    try { files = readdirSync(this.dir).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.startsWith('.')); } catch { /* no folder yet */ }
    for (const f of files.sort()) {
      const path = join(this.dir, f);
      try {
        const text = readFileSync(path, 'utf8');
        const pod = staticPod(parse(text), text, this.nodeName);
        next.set(pod.metadata.uid, pod);
        this.errors.delete(path);
      } catch (err) {
        if (!this.errors.has(path)) this.log(`static pod manifest ${path} ignored: ${String(err)}`);
        this.errors.add(path);
      }
    }
    const changed = next.size !== this.pods.size || [...next.keys()].some((uid) => !this.pods.has(uid));
    if (changed) {
      this.pods.clear();
      for (const [uid, pod] of next) this.pods.set(uid, pod);
    }
    return changed;
  }
}
