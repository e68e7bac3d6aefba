/**
 * EtcdClusterFactory implementations on docker: `KCK_ETCD=docker` runs Debian's etcd 3.4
 * (kck/etcd:3.4), `KCK_ETCD=docker-reference` runs the reference etcd (`kck etcd` in
 * kck/node-runtime). The images are built on first use (kept when unchanged).
 */
import type { EtcdClusterFactory } from '../../ports/etcd.ts';
import { buildImage } from './image-builder.ts';
import { etcdImage, KIT_DIR, nodeRuntimeImage } from './kit-images.ts';
import { DockerEtcdCluster } from './docker-etcd-cluster.ts';

let debianReady: Promise<unknown> | undefined;
let referenceTag: Promise<string> | undefined;

export const dockerEtcdClusters: EtcdClusterFactory = {
  implementation: 'etcd 3.4 (Debian) in docker',
  async start(options) {
    debianReady ??= buildImage(etcdImage);
    await debianReady;
    return DockerEtcdCluster.start({ image: etcdImage.tag, entrypoint: ['/usr/bin/etcd'], implementation: this.implementation }, options);
  },
};

export const dockerReferenceEtcdClusters: EtcdClusterFactory = {
  implementation: 'reference etcd in docker',
  async start(options) {
    referenceTag ??= nodeRuntimeImage().then(async (spec) => (await buildImage(spec)).tag);
    const image = await referenceTag;
    return DockerEtcdCluster.start({ image, entrypoint: ['/usr/bin/node', `${KIT_DIR}/bin/kck.mjs`, 'etcd'], implementation: this.implementation }, options);
  },
};
