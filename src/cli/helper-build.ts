// What the helper's one-file build (dist/helper/attach.cjs) hands to script-attach.ts, which
// loads it apart: the attach command, and the redaction that knows the secrets this run
// registered (a second copy of redact.ts, in start.cjs, would know none of them).
export { attachCommand } from './commands/attach.js';
export { redact } from '../log/redact.js';
