/**
 * Component logs as a failed scenario's snapshot reads them: the last lines of each source that
 * name the scenario's namespace. Process targets keep their logs in a folder; the docker target
 * reads them from its containers when asked.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComponentLogs } from '../ports/target.ts';

/** The last `perSource` lines of one source's text that contain `needle`, prefixed with the source. */
export function linesNaming(source: string, text: string, needle: string, perSource: number): string[] {
  const hits = text.split('\n').filter((l) => l.includes(needle));
  return hits.slice(-perSource).map((line) => `${source}: ${line.slice(0, 300)}`);
}

/** Logs kept as *.log files at any depth under a folder, each file a source. */
export function folderLogs(dir: string): ComponentLogs {
  return {
    async linesNaming(needle, perSource) {
      const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.log')).sort();
      const out: string[] = [];
      for (const file of files) out.push(...linesNaming(file, await readFile(join(dir, file), 'utf8').catch(() => ''), needle, perSource));
      return out;
    },
  };
}
