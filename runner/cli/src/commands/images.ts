/** `paranoid images build [ID...]`: see {@link imagesBuild}; the work is the kind provider's. */
export { type ImagesBuildOptions, imagesBuild } from '@paranoid/providers/kind/build-images.ts';
