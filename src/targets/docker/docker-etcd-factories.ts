/**
 * EtcdClusterFactory implementations on docker: `KCK_ETCD=docker` runs Debian's etcd 3.4
 * (kck/etcd:3.4), `KCK_ETCD=docker-reference` runs the reference etcd (`kck etcd` in
 * kck/node-runtime). The images are built on first use (kept when unchanged).
 */
import type { EtcdClusterFactory } from '../../ports/etcd.ts';
import { KIT_DIR, kitImage } from './kit-images.ts';
import { DockerEtcdCluster } from './docker-etcd-cluster.ts';

export const dockerEtcdClusters: EtcdClusterFactory = {
  implementation: 'etcd 3.4 (Debian) in docker',
  async start(options) {
    return DockerEtcdCluster.start({ image: await kitImage('etcd'), entrypoint: ['/usr/bin/etcd'], implementation: this.implementation }, options);
  },
};

export const dockerReferenceEtcdClusters: EtcdClusterFactory = {
  implementation: 'reference etcd in docker',
  async start(options) {
    return DockerEtcdCluster.start({ image: await kitImage('node-runtime'), entrypoint: ['/usr/bin/node', `${KIT_DIR}/bin/kck.mjs`, 'etcd'], implementation: this.implementation }, options);
  },
};
