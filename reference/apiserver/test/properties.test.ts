// Property tests against a running reference apiserver (real etcd): random valid and
// invalid objects, patches and selectors. No input ever gets a 5xx; invalid input gets a
// 4xx Status; valid objects round-trip. fast-check prints the seed of a failing run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TOKENS, call, startHarness } from './harness.ts';

type O = Record<string, any>;
const A = TOKENS.admin;

const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
const name = fc.oneof(
  { weight: 3, arbitrary: dnsLabel },
  { weight: 1, arbitrary: fc.string({ minLength: 0, maxLength: 30 }) },
);
const labelValue = fc.oneof({ weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?$/) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
const prefixedKey = fc.tuple(dnsLabel, fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?$/)).map(([prefix, key]) => `${prefix}/${key}`);
const labels = fc.dictionary(fc.oneof(dnsLabel, prefixedKey, fc.string({ maxLength: 10 })), labelValue, { maxKeys: 3 });
const data = fc.dictionary(fc.stringMatching(/^[-._a-zA-Z0-9]{1,12}$/).filter((k) => k !== '.' && k !== '..'), fc.string({ maxLength: 20 }), { maxKeys: 3 });

const VALID_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KEY_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALID_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
// A label key is a name part with an optional DNS subdomain prefix and '/', as 'a/0' is.
function validKey(k: string): boolean {
  const slash = k.indexOf('/');
  const [prefix, keyName] = slash < 0 ? [undefined, k] : [k.slice(0, slash), k.slice(slash + 1)];
  if (prefix !== undefined && !(VALID_NAME.test(prefix) && prefix.length <= 253)) return false;
  return KEY_NAME.test(keyName) && keyName.length <= 63;
}
function valid(n: string, l: Record<string, string>): boolean {
  return VALID_NAME.test(n) && n.length <= 253 && Object.entries(l).every(([k, v]) => validKey(k) && VALID_VALUE.test(v) && v.length <= 63);
}

void test('random objects, patches and selectors never get a 5xx', { timeout: 300_000 }, async (t) => {
  const h = await startHarness();
  t.after(() => h.stop());
  const url = h.urls[0] as string;
  let counter = 0;

  await t.test('config maps: invalid -> 422, valid -> 201 and round-trip', async () => {
    await fc.assert(
      fc.asyncProperty(name, labels, data, async (n, l, d) => {
        const unique = VALID_NAME.test(n) ? `${n.slice(0, 40)}-${counter++}`.replace(/^-/, 'x-') : n;
        const r = await call(url, 'POST', '/api/v1/namespaces/default/configmaps', { token: A, body: { metadata: { name: unique, labels: l }, data: d } });
        assert.ok(r.status < 500, `5xx: ${r.text}`);
        if (valid(unique, l)) {
          assert.equal(r.status, 201, r.text);
          const got = (await call(url, 'GET', `/api/v1/namespaces/default/configmaps/${encodeURIComponent(unique)}`, { token: A })).body as O;
          assert.deepEqual(got.data ?? {}, { ...d });
          assert.deepEqual(got.metadata.labels ?? {}, { ...l });
        } else {
          assert.ok(r.status === 422 || r.status === 400 || r.status === 404 || r.status === 405, `${r.status}: ${r.text}`);
          assert.equal((r.body as O)?.kind, 'Status');
        }
      }),
      { numRuns: 60 },
    );
  });

  await t.test('merge patches apply like RFC 7386; garbage patches get a 4xx', async () => {
    await call(url, 'POST', '/api/v1/namespaces/default/configmaps', { token: A, body: { metadata: { name: 'patched' }, data: { a: '1' } } });
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.stringMatching(/^[a-z]{1,3}$/), fc.option(fc.string({ maxLength: 5 }), { nil: null }), { maxKeys: 4 }), async (patch) => {
        const before = ((await call(url, 'GET', '/api/v1/namespaces/default/configmaps/patched', { token: A })).body as O).data ?? {};
        const r = await call(url, 'PATCH', '/api/v1/namespaces/default/configmaps/patched', { token: A, body: { data: patch }, contentType: 'application/merge-patch+json' });
        assert.equal(r.status, 200, r.text);
        const expected: Record<string, string> = { ...before };
        for (const [k, v] of Object.entries(patch)) {
          if (v === null) delete expected[k];
          else expected[k] = v;
        }
        assert.deepEqual((r.body as O).data ?? {}, expected);
      }),
      { numRuns: 40 },
    );
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.constantFrom('application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json'), async (body, type) => {
        const r = await call(url, 'PATCH', '/api/v1/namespaces/default/configmaps/patched', { token: A, body: JSON.stringify(body), contentType: type });
        assert.ok(r.status < 500, `5xx for ${type} ${JSON.stringify(body)}: ${r.text}`);
      }),
      { numRuns: 60 },
    );
  });

  await t.test('label and field selectors: 200 or 400, never 5xx', async () => {
    const selector = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.tuple(dnsLabel, fc.constantFrom('=', '==', '!=', ' in ', ' notin '), fc.array(dnsLabel, { maxLength: 3 })).map(([k, op, vs]) => (op.trim().endsWith('in') ? `${k}${op}(${vs.join(',')})` : `${k}${op}${vs[0] ?? ''}`)),
    );
    await fc.assert(
      fc.asyncProperty(selector, fc.constantFrom('labelSelector', 'fieldSelector'), async (sel, param) => {
        const r = await call(url, 'GET', `/api/v1/namespaces/default/configmaps?${param}=${encodeURIComponent(sel)}`, { token: A });
        assert.ok(r.status === 200 || r.status === 400, `${r.status} for ${param}=${sel}: ${r.text}`);
      }),
      { numRuns: 80 },
    );
  });

  await t.test('arbitrary JSON bodies for any kind: never 5xx', async () => {
    const paths = ['/api/v1/namespaces/default/pods', '/apis/apps/v1/namespaces/default/deployments', '/api/v1/namespaces/default/services', '/api/v1/nodes', '/apis/rbac.authorization.k8s.io/v1/clusterroles', '/apis/coordination.k8s.io/v1/namespaces/default/leases'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.oneof(fc.jsonValue(), fc.record({ metadata: fc.record({ name: dnsLabel }), spec: fc.jsonValue() })), async (path, body) => {
        const r = await call(url, 'POST', path, { token: A, body: JSON.stringify(body) });
        assert.ok(r.status < 500, `5xx on ${path} with ${JSON.stringify(body)}: ${r.text}`);
        if (r.status >= 400) assert.equal((r.body as O)?.kind, 'Status', r.text);
      }),
      { numRuns: 80 },
    );
  });
});
