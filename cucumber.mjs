import { register } from 'tsx/esm/api';
register();
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import tsx`.trim();
export default { import: ['steps/**/*.ts'] };
