/**
 * Structural validation with ajv against schemas/api/*.json. ajv's instance paths
 * (/spec/containers/0/image) become Kubernetes field paths (spec.containers[0].image).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ResourceInfo } from '../core/resource-table.ts';
import type { StatusCause } from '../core/status.ts';

export const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../schemas/api');

export function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
}

function cause(e: ErrorObject): StatusCause {
  const base = fieldPath(e.instancePath);
  if (e.keyword === 'required') {
    const missing = String((e.params as { missingProperty?: string }).missingProperty ?? '');
    return { reason: 'FieldValueRequired', field: base === '' ? missing : `${base}.${missing}`, message: 'Required value' };
  }
  if (e.keyword === 'enum') {
    const allowed = ((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).map((v) => `"${String(v)}"`).join(', ');
    return { reason: 'FieldValueNotSupported', field: base, message: `Unsupported value: supported values: ${allowed}` };
  }
  return { reason: 'FieldValueInvalid', field: base === '' ? '<root>' : base, message: `Invalid value: ${e.message ?? 'invalid'}` };
}

export function loadSchemaValidator(dir = SCHEMA_DIR): (info: ResourceInfo, obj: unknown) => StatusCause[] {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const byKind = new Map<string, ValidateFunction>();
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  for (const f of files) ajv.addSchema(JSON.parse(readFileSync(join(dir, f), 'utf8')) as object);
  for (const f of files) {
    if (f === 'common.json') continue;
    const fn = ajv.getSchema(`https://kck.local/schemas/api/${f}`);
    const title = (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { title?: string }).title;
    if (fn !== undefined && title !== undefined) byKind.set(title, fn);
  }
  return (info, obj) => {
    const fn = byKind.get(info.kind);
    if (fn === undefined || fn(obj)) return [];
    // Keep one cause per field; allOf/$ref can report the same problem twice.
    const seen = new Set<string>();
    return (fn.errors ?? []).map(cause).filter((c) => !seen.has(c.field + c.message) && (seen.add(c.field + c.message), true));
  };
}
