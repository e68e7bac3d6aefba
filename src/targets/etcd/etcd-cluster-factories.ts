/**
 * The two EtcdClusterFactory implementations: the reference etcd (this repository's members
 * as child processes) and real etcd (Debian's etcd 3.4 binary), started with the same flags
 * and the same fault machinery. `KCK_ETCD=reference|external` picks one for the features.
 */
import { execFileSync } from 'node:child_process';
import type { EtcdClusterFactory } from '../../ports/etcd.ts';
import { externalEtcdCommand, referenceEtcdCommand } from './member-process.ts';
import { ProcessEtcdCluster } from './process-etcd-cluster.ts';

export const referenceEtcdClusters: EtcdClusterFactory = {
  implementation: 'reference',
  start: (options) => ProcessEtcdCluster.start(referenceEtcdCommand, options),
};

function externalVersion(): string {
  try {
    const out = execFileSync(process.env['KCK_ETCD_BINARY'] ?? '/usr/bin/etcd', ['--version'], { encoding: 'utf8' });
    return /etcd Version: (\S+)/.exec(out)?.[1] ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

let version: string | undefined;

export const externalEtcdClusters: EtcdClusterFactory = {
  get implementation() {
    version ??= externalVersion();
    return `etcd ${version} (Debian)`;
  },
  start: (options) => ProcessEtcdCluster.start(externalEtcdCommand, options),
};

export function etcdClusterFactory(choice = process.env['KCK_ETCD'] ?? 'reference'): EtcdClusterFactory {
  if (choice === 'reference') return referenceEtcdClusters;
  if (choice === 'external') return externalEtcdClusters;
  if (choice === 'docker' || choice === 'docker-reference') return dockerEtcdClusters(choice);
  throw new Error(`KCK_ETCD must be reference, external, docker or docker-reference, not ${choice}`);
}

/** Members as containers (src/targets/docker), loaded only when chosen. */
function dockerEtcdClusters(choice: 'docker' | 'docker-reference'): EtcdClusterFactory {
  return {
    implementation: choice === 'docker' ? 'etcd 3.4 (Debian) in docker' : 'reference etcd in docker',
    async start(options) {
      const m = await import('../docker/docker-etcd-factories.ts');
      return (choice === 'docker' ? m.dockerEtcdClusters : m.dockerReferenceEtcdClusters).start(options);
    },
  };
}
