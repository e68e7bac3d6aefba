/** Validates documents against the kit's JSON Schemas in schemas/. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats));

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);

export function validateAgainst(schemaFile: string, document: unknown): void {
  const schema = JSON.parse(readFileSync(SCHEMAS_DIR + schemaFile, 'utf8')) as { $id?: string };
  const validate = (schema.$id !== undefined ? ajv.getSchema(schema.$id) : undefined) ?? ajv.compile(schema);
  if (!validate(document)) {
    const problems = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
    throw new Error(`does not match ${schemaFile}: ${problems.join('; ')}`);
  }
}
