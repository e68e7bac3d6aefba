/**
 * Upstream-style flags: --name=value, --name value, --bool, --bool=false. Unknown flags are
 * accepted (components ignore what they do not implement, and say so in their log).
 */
export class Flags {
  private readonly values = new Map<string, string>();

  constructor(argv: readonly string[]) {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i] ?? '';
      if (!arg.startsWith('--')) continue;
      const eq = arg.indexOf('=');
      if (eq >= 0) this.values.set(arg.slice(2, eq), arg.slice(eq + 1));
      else {
        const next = argv[i + 1];
        if (next !== undefined && !next.startsWith('--')) {
          this.values.set(arg.slice(2), next);
          i++;
        } else this.values.set(arg.slice(2), 'true');
      }
    }
  }

  string(name: string): string | undefined {
    return this.values.get(name);
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.values.get(name);
    return v === undefined ? fallback : v !== 'false';
  }

  names(): string[] {
    return [...this.values.keys()];
  }
}

/** Go durations as upstream flags take them: "15s", "1m30s", "500ms", "2h". */
export function parseDuration(text: string): number {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * (unit[m[2] ?? 's'] ?? 0);
    matched += m[0];
  }
  if (matched !== text || text === '') throw new Error(`invalid duration ${JSON.stringify(text)}`);
  return total;
}
