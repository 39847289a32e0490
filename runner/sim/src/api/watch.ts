import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import { StatusError } from '@paranoid/k8s/status.ts';
import type { StoreEvent } from '../store.ts';
import type { ApiContext } from './context.ts';
import type { StreamResponse } from './types.ts';

const encoder = new TextEncoder();

/** A watch request's resource, filters and options, and how to encode its events. */
export interface WatchOptions {
  resource: GroupResource;
  namespace: string;
  matches(o: KubeObject): boolean;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  /** Turns an object into what the client asked for (the object, or a Table row). */
  encode(o: KubeObject, first: boolean): unknown;
  listKind: { apiVersion: string; kind: string };
  contentType: string;
}

/** How often an idle watch gets a BOOKMARK, in clock time. */
const BOOKMARK_INTERVAL_MS = 60_000;

/**
 * A watch stream as the apiserver serves it: the initial state when asked
 * (`resourceVersion` unset or "0"), or every change since a resourceVersion
 * (410 Expired once it is older than the history kept), then live changes.
 * An object that stops matching the selectors is reported DELETED, one that
 * starts matching ADDED.
 */
export function watchResponse(ctx: ApiContext, options: WatchOptions): StreamResponse {
  const rv = options.resourceVersion;
  const start = rv && rv !== '0' ? Number(rv) : undefined;
  if (start !== undefined && !Number.isFinite(start)) {
    throw new StatusError(
      400,
      'BadRequest',
      `invalid resource version: strconv.ParseUint: parsing "${rv}": invalid syntax`,
    );
  }
  const history = start !== undefined ? ctx.store.eventsSince(start) : undefined;
  return {
    kind: 'stream',
    status: 200,
    headers: { 'content-type': options.contentType, 'transfer-encoding': 'chunked' },
    start(write, end) {
      let first = true;
      let stopped = false;
      const send = (type: string, object: unknown) => {
        if (stopped) return;
        write(encoder.encode(`${JSON.stringify({ type, object })}\n`));
      };
      const emit = (type: string, o: KubeObject) => {
        send(type, options.encode(o, first));
        first = false;
      };
      const inScope = (e: StoreEvent) =>
        e.resource.group === options.resource.group &&
        e.resource.resource === options.resource.resource &&
        (!options.namespace || (e.object.metadata.namespace ?? '') === options.namespace);
      const deliver = (e: StoreEvent) => {
        if (!inScope(e)) return;
        const now = options.matches(e.object);
        const before = e.old ? options.matches(e.old) : false;
        if (e.type === 'ADDED') {
          if (now) emit('ADDED', e.object);
        } else if (e.type === 'MODIFIED') {
          if (now && before) emit('MODIFIED', e.object);
          else if (now) emit('ADDED', e.object);
          else if (before) emit('DELETED', e.object);
        } else if (before || now) emit('DELETED', e.object);
      };
      if (start !== undefined && history === undefined) {
        const status = new StatusError(
          410,
          'Expired',
          `too old resource version: ${start} (${ctx.store.resourceVersion()})`,
        );
        send('ERROR', status.toStatus());
        end();
        return () => {};
      }
      const unsubscribe = ctx.store.subscribe(deliver);
      if (start === undefined) {
        if (rv !== undefined || options.sendInitialEvents || rv === undefined) {
          const initial = ctx.store
            .list(options.resource, options.namespace || undefined)
            .filter((o) => options.matches(o));
          for (const o of initial) emit('ADDED', o);
        }
        if (options.allowBookmarks && options.sendInitialEvents) {
          send('BOOKMARK', {
            ...options.listKind,
            metadata: {
              resourceVersion: ctx.store.resourceVersion(),
              annotations: { 'k8s.io/initial-events-end': 'true' },
            },
          });
        }
      } else {
        for (const e of history ?? []) deliver(e);
      }
      const cancels: (() => void)[] = [];
      if (options.allowBookmarks) {
        const tick = () => {
          send('BOOKMARK', { ...options.listKind, metadata: { resourceVersion: ctx.store.resourceVersion() } });
          cancels.push(ctx.clock.setTimer(BOOKMARK_INTERVAL_MS, tick));
        };
        cancels.push(ctx.clock.setTimer(BOOKMARK_INTERVAL_MS, tick));
      }
      const stop = () => {
        if (stopped) return;
        stopped = true;
        unsubscribe();
        for (const c of cancels) c();
      };
      if (options.timeoutSeconds !== undefined && options.timeoutSeconds > 0) {
        cancels.push(
          ctx.clock.setTimer(options.timeoutSeconds * 1000, () => {
            stop();
            end();
          }),
        );
      }
      return stop;
    },
  };
}
