/** Name and label syntax rules (k8s.io/apimachinery/pkg/util/validation). */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

export function dns1123Label(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (!DNS1123_LABEL.test(v)) return `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`;
  return undefined;
}

export function dns1123Subdomain(v: string): string | undefined {
  if (v.length > 253) return 'must be no more than 253 characters';
  if (!DNS1123_SUBDOMAIN.test(v)) return `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
  return undefined;
}

/** Label and annotation keys: an optional DNS subdomain prefix, '/', and a name part. */
export function qualifiedName(v: string): string | undefined {
  const parts = v.split('/');
  if (parts.length > 2) return `a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'`;
  const [prefix, name] = parts.length === 2 ? [parts[0] ?? '', parts[1] ?? ''] : [undefined, parts[0] ?? ''];
  if (prefix !== undefined && (prefix === '' || dns1123Subdomain(prefix) !== undefined)) return 'prefix part must be a lowercase RFC 1123 subdomain';
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name))
    return `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`;
  return undefined;
}

export function labelValue(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (!LABEL_VALUE.test(v)) return `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  return undefined;
}

export function configMapKey(v: string): string | undefined {
  if (v.length === 0 || v.length > 253 || !CONFIG_KEY.test(v) || v === '.' || v === '..') return `a valid config key must consist of alphanumeric characters, '-', '_' or '.'`;
  return undefined;
}
