/**
 * The CRI container log format (what `kubectl logs` reads through the kubelet):
 * `<RFC3339Nano timestamp> <stream> <P|F> <content>`, one record per line; P marks a partial
 * line (the container wrote no newline yet), F a full one.
 */
export type LogStream = 'stdout' | 'stderr';

export function criLogLine(timestamp: string, stream: LogStream, content: string, partial = false): string {
  return `${timestamp} ${stream} ${partial ? 'P' : 'F'} ${content}\n`;
}

/** Splits a chunk into complete lines plus the unterminated rest (kept for the next chunk). */
export function splitLines(pending: string, chunk: string): { lines: string[]; rest: string } {
  const text = pending + chunk;
  const parts = text.split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts, rest };
}

/** Parses a CRI log line back (for the kubelet's log server and tests). */
export function parseCriLogLine(line: string): { timestamp: string; stream: LogStream; partial: boolean; content: string } | undefined {
  const m = /^(\S+) (stdout|stderr) ([PF]) (.*)$/.exec(line);
  if (!m) return undefined;
  return { timestamp: m[1]!, stream: m[2] as LogStream, partial: m[3] === 'P', content: m[4]! };
}
