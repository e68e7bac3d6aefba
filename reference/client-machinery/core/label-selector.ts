/**
 * Label selector semantics (apimachinery labels.Selector): matchLabels AND every
 * matchExpression. An empty selector matches everything; a missing one matches nothing
 * (callers decide which they have, as upstream's LabelSelectorAsSelector does).
 */
import type { LabelSelector, LabelSelectorRequirement, NodeSelectorRequirement } from './api-types.ts';

export function requirementMatches(req: LabelSelectorRequirement | NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(value ?? '');
    case 'NotIn':
      return !has || !values.includes(value ?? '');
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      // Node selector only: both sides must be integers, otherwise the term does not match.
      if (!has || values.length !== 1) return false;
      const left = Number(value);
      const right = Number(values[0]);
      if (!Number.isInteger(left) || !Number.isInteger(right)) return false;
      return req.operator === 'Gt' ? left > right : left < right;
    }
  }
}

export function selectorMatches(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const req of selector.matchExpressions ?? []) if (!requirementMatches(req, l)) return false;
  return true;
}

/** Service-style selectors (a plain map): an empty map selects nothing for Services. */
export function mapSelectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector)) if (l[k] !== v) return false;
  return true;
}

/** The selector as a labelSelector query string, for list and watch calls. */
export function selectorToString(selector: LabelSelector): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = (req.values ?? []).join(',');
    if (req.operator === 'In') parts.push(`${req.key} in (${values})`);
    else if (req.operator === 'NotIn') parts.push(`${req.key} notin (${values})`);
    else if (req.operator === 'Exists') parts.push(req.key);
    else parts.push(`!${req.key}`);
  }
  return parts.join(',');
}
