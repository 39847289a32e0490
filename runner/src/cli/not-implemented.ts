/**
 * Says plainly that a command does not exist yet and exits non-zero, so no
 * script or CI job mistakes a missing feature for a success.
 */
export function notImplemented(command: string): never {
  process.stderr.write(`paranoid ${command}: not implemented yet\n`);
  process.exit(3);
}
