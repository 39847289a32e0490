/**
 * The images every simulated cluster can pull. They are data: each is a YAML file
 * in `builtin/` in the image format (../image-format.md), compiled into
 * `builtin.generated.ts` by runner/sim/scripts/generate-builtin-images.ts so the pure
 * simulator needs no file access. Digests are stable made-up values (the
 * simulator is not a registry mirror); behaviour follows the real images where a
 * lab touches it.
 */
export { builtinImages } from './builtin.generated.ts';
