/**
 * The container runtime: entry points the cluster wires in. See README.md.
 */

export { type Image, type ImageDefinition, imageSchema, parseImage } from '@paranoid/schema/image.ts';
export { createRuntime, type RuntimeOptions, type RuntimeStartContext } from './create-runtime.ts';
export { builtinImages } from './images/builtin.ts';
export { parseImageReference } from './images/reference.ts';
export { createImageRegistry, type ImageRegistry } from './images/registry.ts';
export { requestFromInternet } from './internet.ts';
export { startKubelet } from './kubelet.ts';
export { type LogOptions, logs } from './logs.ts';
export { metricsFor, type NodeMetrics, type PodMetrics } from './metrics.ts';
export { type Connection, createBasicNetwork, type NetworkPort } from './network-port.ts';
export { preloadImages } from './preload.ts';
export { createAttach, createExec, execTarget } from './shell/exec.ts';
export type { CallApi, IssueToken, RuntimeDeps } from './types.ts';
