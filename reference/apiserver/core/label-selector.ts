/**
 * Label selectors: the string syntax of `?labelSelector=` (k8s.io/apimachinery/pkg/labels)
 * and the structured metav1.LabelSelector of Deployments and ReplicaSets. Equality-based
 * (=, ==, !=) and set-based (in, notin, exists, !exists) requirements; all must hold.
 */
import { errors } from './status.ts';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' };

export type Selector = Requirement[];

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function checkKey(key: string): string {
  if (!KEY.test(key) || key.length > 317) throw errors.badRequest(`unable to parse requirement: invalid label key "${key}"`);
  return key;
}
function checkValue(value: string): string {
  if (!VALUE.test(value) || value.length > 63) throw errors.badRequest(`unable to parse requirement: invalid label value: "${value}"`);
  return value;
}

/** Splits on commas that are not inside parentheses. */
function terms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (depth < 0) throw errors.badRequest(`unable to parse requirement: unbalanced parentheses in "${text}"`);
    if (c === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += c;
  }
  if (depth !== 0) throw errors.badRequest(`unable to parse requirement: unbalanced parentheses in "${text}"`);
  out.push(current);
  return out;
}

export function parseLabelSelector(text: string): Selector {
  if (text.trim() === '') return [];
  return terms(text).map((raw): Requirement => {
    const term = raw.trim();
    if (term === '') throw errors.badRequest(`unable to parse requirement: found '', expected: identifier`);
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (set !== null) {
      const values = (set[3] ?? '').split(',').map((v) => checkValue(v.trim()));
      return { key: checkKey(set[1] ?? ''), op: set[2] === 'in' ? 'in' : 'notin', values };
    }
    const eq = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (eq !== null) {
      const value = checkValue(eq[3] ?? '');
      return { key: checkKey(eq[1] ?? ''), op: eq[2] === '!=' ? 'notin' : 'in', values: [value] };
    }
    if (term.startsWith('!')) return { key: checkKey(term.slice(1).trim()), op: '!exists' };
    return { key: checkKey(term), op: 'exists' };
  });
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** metav1.LabelSelector to requirements; an empty selector matches everything. */
export function fromSelectorObject(sel: LabelSelectorObject): Selector {
  const out: Selector = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) out.push({ key, op: 'in', values: [value] });
  for (const e of sel.matchExpressions ?? []) {
    const op = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists' }[e.operator];
    if (op === 'in' || op === 'notin') out.push({ key: e.key, op, values: e.values ?? [] });
    else if (op === 'exists' || op === '!exists') out.push({ key: e.key, op });
  }
  return out;
}

export function matchesLabels(selector: Selector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((req) => {
    const has = Object.prototype.hasOwnProperty.call(l, req.key);
    switch (req.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case 'in':
        return has && req.values.includes(l[req.key] ?? '');
      case 'notin':
        return !has || !req.values.includes(l[req.key] ?? '');
    }
  });
}

/** "a=b,c in (d)": the canonical string form, as upstream's Selector.String() prints it. */
export function selectorToString(selector: Selector): string {
  return selector
    .map((r) => {
      if (!('values' in r)) return r.op === 'exists' ? r.key : `!${r.key}`;
      if (r.values.length === 1) return `${r.key}${r.op === 'in' ? '=' : '!='}${r.values[0] ?? ''}`;
      return `${r.key} ${r.op} (${[...r.values].sort().join(',')})`;
    })
    .join(',');
}
