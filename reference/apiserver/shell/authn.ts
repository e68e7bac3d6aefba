/**
 * Authentication: static bearer tokens (--token-auth-file, upstream CSV format
 * `token,user,uid,"group1,group2"`) and client certificates verified against
 * --client-ca-file (CN = user, O = groups). Every authenticated user is also in
 * system:authenticated. No credentials: anonymous, which the server answers with 401.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from '../core/authorizer.ts';

export type TokenTable = ReadonlyMap<string, UserInfo>;

/** Parses one CSV line with optional double-quoted fields. */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((f) => f.trim());
}

export function parseTokenFile(text: string): TokenTable {
  const table = new Map<string, UserInfo>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [token, name, uid, groups] = csvFields(line);
    if (token === undefined || token === '' || name === undefined || name === '') throw new Error(`token file: a line needs at least token,user: ${line}`);
    const info: UserInfo = { name, groups: (groups ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '') };
    if (uid !== undefined && uid !== '') info.uid = uid;
    table.set(token, info);
  }
  return table;
}

function withAuthenticated(u: UserInfo): UserInfo {
  return u.groups.includes('system:authenticated') ? u : { ...u, groups: [...u.groups, 'system:authenticated'] };
}

export function authenticate(req: IncomingMessage, tokens: TokenTable): UserInfo | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const user = m?.[1] !== undefined ? tokens.get(m[1]) : undefined;
    // A presented but unknown token is a failed authentication, not anonymous.
    return user === undefined ? undefined : withAuthenticated(user);
  }
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate === 'function' && socket.authorized) {
    const cert = socket.getPeerCertificate();
    const subject = cert.subject as unknown as Record<string, string | string[]> | undefined;
    const cn = subject?.['CN'];
    if (typeof cn === 'string' && cn !== '') {
      const o = subject?.['O'];
      const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
      return withAuthenticated({ name: cn, groups });
    }
  }
  return undefined;
}
