import type { UserInfo } from '@paranoid/k8s/identity.ts';
import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import type { ObjectStore } from '../store.ts';

/** What admission sees of a write (k8s.io/apiserver admission.Attributes). */
export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  resource: GroupResource & { version: string };
  subresource: string;
  kind: { group: string; version: string; kind: string };
  namespace: string;
  name: string;
  /** The object after defaulting (CREATE, UPDATE); undefined for DELETE and CONNECT. */
  object?: KubeObject;
  oldObject?: KubeObject;
  userInfo: UserInfo;
  dryRun: boolean;
}

/** What the admission chain decided about a request: a denial, or admission with warnings and audit annotations. */
export interface AdmissionResult {
  /** A denial: the API answers it as this Status (403 Forbidden for policy denials, 422 for Invalid). */
  denied?: { code: number; reason: 'Forbidden' | 'Invalid' | 'BadRequest'; message: string };
  /** Text the API returns as `Warning: 299 - "<text>"` headers; kubectl prints them. */
  warnings: string[];
  /** Audit annotations, e.g. `pod-security.kubernetes.io/audit-violations`. */
  auditAnnotations?: Record<string, string>;
}

/**
 * One admission plugin. Mutating plugins run first, in order, then validating
 * ones, as in kube-apiserver (defaulting → mutating → validating: PodSecurity,
 * ValidatingAdmissionPolicy, LimitRanger, ResourceQuota).
 */
export interface AdmissionPlugin {
  name: string;
  /** Returns the changed object, or undefined to leave it as it is. */
  mutate?(request: AdmissionRequest, store: ObjectStore): KubeObject | undefined;
  validate?(request: AdmissionRequest, store: ObjectStore): AdmissionResult;
}
