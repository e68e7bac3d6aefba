// The failed scenarios of a cucumber JSON report, as the lines a pass summary prints: where,
// the failed step, the first lines of its error, and the After hook's snapshot of the
// scenario's namespace, nodes and component logs (src/world/failure-snapshot.ts), which is
// often the only clue a CI log holds.
import { readFileSync } from 'node:fs';

/** How many lines of a failed scenario's snapshot the summary quotes. */
const SNAPSHOT_LINES = 80;
const SNAPSHOT_MEDIA_TYPE = 'text/x-kck-snapshot';

export function failureSummary(cucumberJson) {
  let features;
  try {
    features = JSON.parse(readFileSync(cucumberJson, 'utf8'));
  } catch {
    return [`(no cucumber report in ${cucumberJson})`];
  }
  const lines = [];
  for (const feature of features) {
    for (const scenario of feature.elements ?? []) {
      // Hooks appear as hidden steps (keyword Before/After) or, in older reports, apart.
      const all = [...(scenario.before ?? []), ...(scenario.steps ?? []), ...(scenario.after ?? [])];
      const failed = all.find((st) => st.result?.status === 'failed');
      if (failed === undefined) continue;
      const error = (failed.result.error_message ?? '').split('\n').filter((l) => l.trim() !== '').slice(0, 4).map((l) => `      ${l.slice(0, 300)}`);
      lines.push(`    ${feature.uri}:${scenario.line} ${scenario.name}`, `      at: ${failed.keyword ?? ''}${failed.name ?? '(hook)'}`, ...error);
      for (const step of all) {
        for (const e of step.embeddings ?? []) {
          if (e.mime_type !== SNAPSHOT_MEDIA_TYPE) continue;
          const text = Buffer.from(e.data, 'base64').toString('utf8');
          lines.push(...text.split('\n').slice(0, SNAPSHOT_LINES).map((l) => `      | ${l.slice(0, 300)}`));
        }
      }
    }
  }
  return lines;
}
