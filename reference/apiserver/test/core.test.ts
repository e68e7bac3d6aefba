// Pure-core tests: selectors, patches, validation, lifecycle and the protobuf decoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromSelectorObject, matchesLabels, parseLabelSelector, selectorToString } from '../core/label-selector.ts';
import { matchesFields, parseFieldSelector } from '../core/field-selector.ts';
import { jsonPatch, mergePatch, strategicMerge } from '../core/patch.ts';
import { prepareCreate, prepareDelete, prepareUpdate } from '../core/object-lifecycle.ts';
import { findResource, type ResourceInfo } from '../core/resource-table.ts';
import { validateObject } from '../core/validation.ts';
import { decodeKubeProtobuf } from '../core/protobuf-kube.ts';
import { message } from '../core/protobuf-encode.ts';
import { isStatusError } from '../core/status.ts';
import { nodeAuthorize, rbacAllows } from '../core/authorizer.ts';
import { ipCandidates, parseCidr, portCandidates } from '../core/allocator.ts';
import { requestInfo } from '../core/request-info.ts';

const clock = { nowIso: () => '2026-01-01T00:00:00Z', nowSeconds: () => 1767225600 };
const POD = findResource('', 'v1', 'pods') as ResourceInfo;
const DEPLOY = findResource('apps', 'v1', 'deployments') as ResourceInfo;

void test('label selectors: equality and set-based requirements', () => {
  const sel = parseLabelSelector('app=web,tier!=db,env in (prod, staging),!legacy,track');
  assert.equal(matchesLabels(sel, { app: 'web', env: 'prod', track: 'x' }), true);
  assert.equal(matchesLabels(sel, { app: 'web', env: 'dev', track: 'x' }), false);
  assert.equal(matchesLabels(sel, { app: 'web', env: 'prod', track: 'x', legacy: '1' }), false);
  assert.equal(matchesLabels(sel, { app: 'web', env: 'prod', track: 'x', tier: 'db' }), false);
  assert.throws(() => parseLabelSelector('a in (b'), (e) => isStatusError(e) && e.status.code === 400);
  assert.equal(matchesLabels(fromSelectorObject({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['x'] }] }), {}), true);
});

void test('label selector strings round-trip through parse and print', () => {
  const req = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), fc.constantFrom('in', 'notin'), fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,4}$/), { minLength: 1, maxLength: 3 }));
  fc.assert(fc.property(fc.array(req, { maxLength: 3 }), fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), fc.stringMatching(/^[a-z0-9]{1,4}$/)), (reqs, labels) => {
    const sel = reqs.map(([key, op, values]) => ({ key, op, values }));
    const again = parseLabelSelector(selectorToString(sel));
    assert.equal(matchesLabels(again, labels), matchesLabels(sel, labels));
  }));
});

void test('field selectors: supported fields only', () => {
  const reqs = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed', 'Pod');
  assert.equal(matchesFields(reqs, { spec: { nodeName: 'n1' }, status: { phase: 'Running' } }), true);
  assert.equal(matchesFields(reqs, { spec: { nodeName: 'n2' }, status: { phase: 'Running' } }), false);
  assert.throws(() => parseFieldSelector('spec.nodeName=n1', 'ConfigMap'), (e) => isStatusError(e) && e.status.code === 400);
});

void test('merge patch is RFC 7386; json patch ops; strategic merge by merge key', () => {
  assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 }, f: [1] }), { a: 1, b: { d: 3, e: 4 }, f: [1] });
  assert.deepEqual(jsonPatch({ a: [1, 2] }, [{ op: 'add', path: '/a/1', value: 9 }, { op: 'replace', path: '/b', value: 1 }].slice(0, 1)), { a: [1, 9, 2] });
  assert.throws(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]), (e) => isStatusError(e) && e.status.code === 422);
  assert.throws(() => jsonPatch({}, [{ op: 'remove', path: '/nope' }]), (e) => isStatusError(e) && e.status.code === 400);
  const merged = strategicMerge(
    { spec: { containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:1' }] }, metadata: { finalizers: ['f1'] } },
    { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'b', image: 'y:2' }, { name: 'a', $patch: 'delete' }] }, metadata: { finalizers: ['f2'] } },
  );
  assert.deepEqual(merged, { spec: { containers: [{ name: 'b', image: 'y:2' }] }, metadata: { finalizers: ['f1', 'f2'] } });
  // Taints have no merge key upstream: the patch's list replaces the node's, duplicates of a key kept.
  const unreachable = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }];
  assert.deepEqual(strategicMerge({ spec: { taints: [unreachable[0]] } }, { spec: { taints: unreachable } }), { spec: { taints: unreachable } });
});

void test('create defaults a Deployment and a Pod like Kubernetes', () => {
  const d = prepareCreate(DEPLOY, { metadata: { name: 'w' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'img' }] } } } }, { clock, uid: 'u', suffix: 'abcde', namespace: 'ns' }) as any;
  assert.equal(d.spec.replicas, 1);
  assert.equal(d.spec.strategy.rollingUpdate.maxSurge, '25%');
  assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'Always');
  assert.equal(d.metadata.generation, 1);
  const p = prepareCreate(POD, { metadata: { generateName: 'p-' }, spec: { containers: [{ name: 'c', image: 'img:1' }] } }, { clock, uid: 'u', suffix: 'abcde', namespace: 'ns' }) as any;
  assert.equal(p.metadata.name, 'p-abcde');
  assert.equal(p.spec.restartPolicy, 'Always');
  assert.equal(p.spec.terminationGracePeriodSeconds, 30);
  assert.equal(p.status.phase, 'Pending');
});

void test('generation grows with spec changes (and Deployment annotations); deletion is graceful for bound pods', () => {
  const d = prepareCreate(DEPLOY, { metadata: { name: 'w' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'img' }] } } } }, { clock, uid: 'u', suffix: 'x', namespace: 'ns' }) as any;
  const labelled = prepareUpdate(DEPLOY, d, { ...d, metadata: { ...d.metadata, labels: { x: 'y' } } }, undefined).object as any;
  assert.equal(labelled.metadata.generation, 1);
  const scaled = prepareUpdate(DEPLOY, d, { ...d, spec: { ...d.spec, replicas: 5 } }, undefined).object as any;
  assert.equal(scaled.metadata.generation, 2);
  // Deployments also bump on annotations (copied to their ReplicaSets), but not through /status.
  const annotated = prepareUpdate(DEPLOY, d, { ...d, metadata: { ...d.metadata, annotations: { a: '1' } } }, undefined).object as any;
  assert.equal(annotated.metadata.generation, 2);
  const viaStatus = prepareUpdate(DEPLOY, d, { ...d, metadata: { ...d.metadata, annotations: { a: '1' } }, status: { replicas: 1 } }, 'status').object as any;
  assert.equal(viaStatus.metadata.generation, 1);
  assert.equal(viaStatus.metadata.annotations.a, '1');
  const bound = { metadata: { name: 'p' }, spec: { nodeName: 'n', terminationGracePeriodSeconds: 10 }, status: { phase: 'Running' } };
  const first = prepareDelete(POD, bound, {}, clock);
  assert.equal(first.action, 'update');
  assert.equal(((first as any).object.metadata.deletionGracePeriodSeconds), 10);
  assert.equal(prepareDelete(POD, (first as any).object, { gracePeriodSeconds: 0 }, clock).action, 'delete');
  assert.equal(prepareDelete(POD, { metadata: { name: 'p' }, spec: {} }, {}, clock).action, 'delete');
});

void test('validation names the wrong fields', () => {
  const causes = validateObject(DEPLOY, { metadata: { name: 'UP' }, spec: { replicas: -2, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'c' } }, spec: { containers: [] } } } }, { nodePortRange: [30000, 32767] });
  const fields = causes.map((c) => c.field);
  for (const f of ['metadata.name', 'spec.replicas', 'spec.template.metadata.labels', 'spec.template.spec.containers']) assert.ok(fields.includes(f), f);
});

void test('authorizers: RBAC rules and the Node restriction', () => {
  const state = {
    clusterRoles: [{ metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/status'], verbs: ['get'] }] }],
    roles: [],
    clusterRoleBindings: [{ metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'r' }, subjects: [{ kind: 'Group', name: 'g' }] }],
    roleBindings: [],
  };
  const attrs = (verb: string, sub = '') => ({ user: { name: 'u', groups: ['g'] }, verb, path: '', resource: { apiGroup: '', resource: 'pods', subresource: sub, namespace: 'ns', name: 'p' } });
  assert.equal(rbacAllows(state, attrs('get')), true);
  assert.equal(rbacAllows(state, attrs('get', 'status')), true);
  assert.equal(rbacAllows(state, attrs('delete')), false);
  const node = { name: 'system:node:n1', groups: ['system:nodes'] };
  const pod = (verb: string) => ({ user: node, verb, path: '', resource: { apiGroup: '', resource: 'pods', subresource: 'status', namespace: 'ns', name: 'p' } });
  assert.equal(nodeAuthorize(pod('patch'), 'n1'), 'allow');
  assert.equal(nodeAuthorize(pod('patch'), 'n2'), 'deny');
  assert.equal(nodeAuthorize({ user: node, verb: 'update', path: '', resource: { apiGroup: '', resource: 'nodes', subresource: 'status', namespace: '', name: 'n2' } }), 'deny');
});

void test('allocation candidates stay inside the range and avoid used values', () => {
  const cidr = parseCidr('10.0.0.0/29');
  const ips = ipCandidates(cidr, new Set(['10.0.0.3']), 0);
  assert.deepEqual(ips, ['10.0.0.2', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
  assert.deepEqual(portCandidates([30000, 30002], new Set([30001]), 1), [30002, 30000]);
});

void test('request info parses resource paths like upstream', () => {
  assert.deepEqual(requestInfo('GET', '/api/v1/namespaces/ns/pods/p/log', new URLSearchParams()), { kind: 'resource', verb: 'get', group: '', version: 'v1', namespace: 'ns', resource: 'pods', name: 'p', subresource: 'log' });
  assert.equal((requestInfo('GET', '/apis/apps/v1/deployments', new URLSearchParams('watch=true')) as { verb: string }).verb, 'watch');
  assert.deepEqual(requestInfo('PUT', '/api/v1/namespaces/ns/finalize', new URLSearchParams()), { kind: 'resource', verb: 'update', group: '', version: 'v1', namespace: '', resource: 'namespaces', name: 'ns', subresource: 'finalize' });
});

void test('protobuf bodies decode to the JSON objects kubectl meant', () => {
  const meta = message([[1, 'web'], [11, message([[1, 'app'], [2, 'web']])]]);
  const container = message([[1, 'nginx'], [2, 'nginx:1.25'], [5, ''], [6, message([[3, 8080]])]]);
  const template = message([[1, message([[11, message([[1, 'app'], [2, 'web']])]])], [2, message([[2, container], [3, '']])]]);
  const spec = message([[1, 0], [2, message([[1, message([[1, 'app'], [2, 'web']])]])], [3, template], [4, message([[1, '']])]]);
  const raw = message([[1, meta], [2, spec]]);
  const envelope = message([[1, message([[1, 'apps/v1'], [2, 'Deployment']])], [2, raw]]);
  const body = new Uint8Array([0x6b, 0x38, 0x73, 0x00, ...envelope]);
  assert.deepEqual(decodeKubeProtobuf(body), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 8080 }] }] } } },
  });
  assert.throws(() => decodeKubeProtobuf(new Uint8Array([0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff])), (e) => isStatusError(e) && e.status.code === 400);
});
