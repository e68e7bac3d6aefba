// cucumber-js configuration. `npx cucumber-js` runs every feature against the target named
// by KCK_TARGET (default: the embedded reference cluster) and writes reports/.
import { register } from 'tsx/esm/api';

// Steps and support code are TypeScript: load them through tsx here and in parallel workers.
register();
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import tsx`.trim();

const target = process.env.KCK_TARGET ?? 'reference';
const reports = process.env.KCK_REPORTS_DIR ?? 'reports';
// cucumber's own reports; the feature passes of `npm test` give each pass a folder of its own.
const cucumberReports = process.env.KCK_CUCUMBER_REPORTS_DIR ?? reports;

// Fail fast, in one line, when the target cannot be reached at all.
if (target === 'kubeconfig') {
  const { preflightKubeconfig } = await import('./src/targets/kubeconfig/kubeconfig-target.ts');
  try {
    await preflightKubeconfig(process.env);
  } catch (error) {
    console.error(`kck: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
}

export default {
  paths: ['features/**/*.feature'],
  import: ['src/world/kit-world.ts', 'src/world/hooks.ts', 'steps/**/*.ts'],
  strict: true,
  parallel: Number(process.env.KCK_PARALLEL ?? '1'),
  worldParameters: { target },
  format: [
    'progress',
    `html:${cucumberReports}/cucumber.html`,
    `json:${cucumberReports}/cucumber.json`,
    `message:${cucumberReports}/cucumber.ndjson`,
    `junit:${cucumberReports}/cucumber.junit.xml`,
    `./src/report/claims-formatter.ts:${cucumberReports}/claims-formatter.log`,
  ],
};
