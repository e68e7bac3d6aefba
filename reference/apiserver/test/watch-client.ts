/** A raw watch stream for tests: collects newline-delimited events until stopped. */
import { request } from 'node:https';

export interface RawWatch {
  events: Array<{ type: string; object: Record<string, unknown> & { metadata?: Record<string, unknown> } }>;
  status: number;
  ended: boolean;
  stop(): void;
}

export function openWatch(url: string, path: string, token: string, headers: Record<string, string> = {}): Promise<RawWatch> {
  return new Promise((resolve, reject) => {
    const w: RawWatch = { events: [], status: 0, ended: false, stop: () => req.destroy() };
    const req = request(`${url}${path}`, { rejectUnauthorized: false, headers: { Authorization: `Bearer ${token}`, ...headers } }, (res) => {
      w.status = res.statusCode ?? 0;
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim() !== '') w.events.push(JSON.parse(line) as RawWatch['events'][number]);
        }
      });
      res.on('end', () => (w.ended = true));
      res.on('error', () => (w.ended = true));
      resolve(w);
    });
    req.on('error', (e) => {
      w.ended = true;
      if (w.status === 0) reject(e);
    });
    req.end();
  });
}
