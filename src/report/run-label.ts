/**
 * The name a run's results are filed under in the claim report (reports/targets/<label>.json):
 * the target, plus every component swapped away from its default, so passes over the same
 * target with a real etcd, containerd or another proxy mode stand side by side instead of
 * overwriting each other. KCK_RUN_NAME overrides it.
 */
const VARIANTS: ReadonlyArray<{ variable: string; key: string; defaultValue?: string }> = [
  { variable: 'KCK_ETCD', key: 'etcd', defaultValue: 'reference' },
  { variable: 'KCK_CRI', key: 'cri', defaultValue: 'reference' },
  { variable: 'KCK_PROXY_MODE', key: 'proxy' },
  { variable: 'KCK_IPVS_SCHEDULER', key: 'ipvs' },
];

export function runLabel(env: NodeJS.ProcessEnv): string {
  const explicit = env['KCK_RUN_NAME']?.trim();
  if (explicit) return fileSafe(explicit);
  const target = env['KCK_TARGET'] ?? 'reference';
  const variants = VARIANTS.flatMap(({ variable, key, defaultValue }) => {
    const value = env[variable]?.trim();
    return value && value !== defaultValue ? [`${key}=${value.startsWith('unix://') ? 'unix' : value}`] : [];
  });
  return fileSafe(variants.length === 0 ? target : `${target}(${variants.join(',')})`);
}

function fileSafe(label: string): string {
  return label.replace(/[^A-Za-z0-9+=.,()_-]/g, '_');
}
