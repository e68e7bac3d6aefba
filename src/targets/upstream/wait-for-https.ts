/**
 * Polls an endpoint until it answers 200 or a deadline passes. Readiness is read from the
 * component itself (/readyz, /healthz), never guessed from a sleep.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Credentials {
  ca?: string;
  cert?: string;
  key?: string;
  /** For components that serve with a self-signed certificate of their own. */
  insecure?: boolean;
}

export async function getOnce(url: string, creds: Credentials = {}): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const options = {
      method: 'GET',
      timeout: 5_000,
      ...(creds.ca !== undefined ? { ca: creds.ca } : {}),
      ...(creds.cert !== undefined ? { cert: creds.cert } : {}),
      ...(creds.key !== undefined ? { key: creds.key } : {}),
      rejectUnauthorized: creds.insecure !== true,
    };
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout on ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Resolves once `url` answers 200; rejects with the last answer or error at the deadline,
 * or as soon as `abort()` returns a reason (e.g. the process exited).
 */
export async function waitFor200(url: string, creds: Credentials, deadlineMs: number, abort: () => string | undefined = () => undefined): Promise<void> {
  const end = Date.now() + deadlineMs;
  let last = 'no answer yet';
  for (;;) {
    const reason = abort();
    if (reason !== undefined) throw new Error(`${url}: ${reason}`);
    try {
      const res = await getOnce(url, creds);
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${res.body.slice(0, 500)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > end) throw new Error(`${url} not ready after ${deadlineMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
