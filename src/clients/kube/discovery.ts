/**
 * Maps kinds to REST resources through the server's own discovery documents, so the client
 * knows no resource table of its own and serves any server (and its CRDs) the same way.
 */
import type { HttpTransport } from './http-transport.ts';
import type { KindRef } from '../../ports/kube-api.ts';

export interface ResourceInfo {
  /** Path prefix of the group version: /api/v1 or /apis/<group>/<version>. */
  groupVersionPath: string;
  resource: string;
  namespaced: boolean;
}

interface ApiResourceList {
  resources: Array<{ name: string; kind: string; namespaced: boolean }>;
}

export class Discovery {
  private readonly cache = new Map<string, Promise<ApiResourceList>>();

  constructor(private readonly transport: HttpTransport) {}

  async resolve(kind: KindRef): Promise<ResourceInfo> {
    const groupVersionPath = kind.apiVersion.includes('/') ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`;
    let list = this.cache.get(groupVersionPath);
    if (list === undefined) {
      list = this.fetch(groupVersionPath);
      this.cache.set(groupVersionPath, list);
      list.catch(() => this.cache.delete(groupVersionPath));
    }
    const resources = (await list).resources;
    const match = resources.find((r) => r.kind === kind.kind && !r.name.includes('/'));
    if (match === undefined) throw new Error(`the server does not serve ${kind.kind} in ${kind.apiVersion}`);
    return { groupVersionPath, resource: match.name, namespaced: match.namespaced };
  }

  private async fetch(path: string): Promise<ApiResourceList> {
    const res = await this.transport.exchange('GET', path);
    if (res.status !== 200) throw new Error(`discovery of ${path} answered ${res.status}: ${res.text.slice(0, 200)}`);
    return res.body as ApiResourceList;
  }
}
