import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLabel } from './run-label.ts';

test('a run on a target with its default components is named after the target', () => {
  assert.equal(runLabel({}), 'reference');
  assert.equal(runLabel({ KCK_TARGET: 'etcd', KCK_ETCD: 'reference' }), 'etcd');
});

test('every component swapped from its default shows in the name', () => {
  assert.equal(runLabel({ KCK_TARGET: 'etcd', KCK_ETCD: 'external' }), 'etcd(etcd=external)');
  assert.equal(runLabel({ KCK_CRI: 'containerd', KCK_PROXY_MODE: 'ipvs', KCK_IPVS_SCHEDULER: 'lc' }), 'reference(cri=containerd,proxy=ipvs,ipvs=lc)');
  assert.equal(runLabel({ KCK_CRI: 'unix:///run/x/containerd.sock' }), 'reference(cri=unix)');
});

test('KCK_RUN_NAME names the run, made safe for a file name', () => {
  assert.equal(runLabel({ KCK_RUN_NAME: 'my cluster/prod' }), 'my_cluster_prod');
});
