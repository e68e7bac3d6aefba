/** The claims catalogue (features/claims.yaml), loaded and validated. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { validateAgainst } from './schema-validator.ts';

export interface Claim {
  id: string;
  slide: number;
  statement: string;
  components: string[];
  capabilities: string[];
  upstreamDifference?: { reason: string; reference: string };
}

export const CATALOGUE_PATH = fileURLToPath(new URL('../../features/claims.yaml', import.meta.url));

export function loadCatalogue(path = CATALOGUE_PATH): Claim[] {
  const document: unknown = parse(readFileSync(path, 'utf8'));
  try {
    validateAgainst('claims-catalogue.schema.json', document);
  } catch (error) {
    throw new Error(`claims catalogue ${path} ${error instanceof Error ? error.message : String(error)}`);
  }
  const claims = (document as { claims: Claim[] }).claims;
  const seen = new Set<string>();
  for (const c of claims) {
    if (seen.has(c.id)) throw new Error(`claims catalogue ${path} lists ${c.id} twice`);
    seen.add(c.id);
  }
  return claims;
}
