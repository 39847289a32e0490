// Starts a simulator worker from plain Node: the worker threads of a runner started
// by tsx, or by vitest, do not inherit a TypeScript loader, so this registers one.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
