// Exit codes: 0 ok, 1 failed, 2 usage. Alone here so that the script's attach
// (script-attach.ts) knows them without loading the command context.
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
