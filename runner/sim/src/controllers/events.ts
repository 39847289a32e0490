import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { Clock, IdSource } from '../clock.ts';
import type { ObjectStore } from '../store.ts';
import { rfc3339 } from './meta.ts';
import { R } from './resources.ts';

/** The two types of Kubernetes Event: routine, or worth a person's attention. */
export type EventType = 'Normal' | 'Warning';

interface Recorded {
  namespace: string;
  name: string;
}

const MAX_CACHED = 4096;

/**
 * Writes core/v1 Events as client-go's recorder does: named `<object>.<hex time>`,
 * and a repeat of the same (object, type, reason, message, source) bumps `count`
 * and `lastTimestamp` of the existing Event instead of making another.
 */
export class EventRecorder {
  private seen = new Map<string, Recorded>();
  private seq = 0;

  constructor(
    private store: ObjectStore,
    private clock: Clock,
    private ids: IdSource,
  ) {}

  event(obj: KubeObject, type: EventType, reason: string, message: string, component: string, host?: string): void {
    const namespace = obj.metadata.namespace || 'default';
    const uid = obj.metadata.uid ?? '';
    const key = [component, host ?? '', obj.kind, namespace, obj.metadata.name, uid, type, reason, message].join(
      '\u0000',
    );
    const now = rfc3339(this.clock.now());
    const previous = this.seen.get(key);
    if (previous) {
      const existing = this.store.get(R.events, previous.namespace, previous.name);
      if (existing) {
        existing.count = ((existing.count as number | undefined) ?? 1) + 1;
        existing.lastTimestamp = now;
        try {
          this.store.update(R.events, existing);
          return;
        } catch {
          // Fall through and record a fresh Event, as the recorder does when a patch fails.
        }
      }
    }
    const name = `${obj.metadata.name}.${this.suffix()}`;
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
        name: obj.metadata.name,
        uid,
        ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
      },
      reason,
      message,
      source: host ? { component, host } : { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: host ?? '',
    };
    try {
      this.store.create(R.events, event);
    } catch {
      return; // An event that cannot be written (namespace gone) is dropped, never fatal.
    }
    if (this.seen.size >= MAX_CACHED) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.set(key, { namespace, name });
  }

  /** Hex nanoseconds since the epoch, kept unique within one millisecond. */
  private suffix(): string {
    const nanos = BigInt(this.clock.now()) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    void this.ids;
    return nanos.toString(16);
  }
}
