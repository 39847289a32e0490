/** PUT of an object or its status (upstream: handlers/update.go). */
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { conflict } from '@paranoid/k8s/status.ts';
import { decodeObject } from './body.ts';
import { isDryRun, mustGet, type RequestScope, reply, typed } from './scope.ts';
import { prepareForUpdate } from './strategy.ts';
import type { ApiResponse } from './types.ts';
import {
  checkKind,
  checkName,
  checkNamespace,
  checkTypes,
  duplicateFields,
  manager,
  type WriteArgs,
  write,
} from './write.ts';

/** Applies an update of the main resource or its status subresource. */
export function updateObject(
  scope: RequestScope,
  next: KubeObject,
  old: KubeObject,
  subresource: string,
  dryRun: boolean,
  extra: Pick<WriteArgs, 'managedBySchema' | 'decodeProblems' | 'isPatch'> = {},
): KubeObject {
  const prepared = prepareForUpdate(scope.ctx, scope.def, next, old, subresource);
  return write(scope, {
    operation: 'UPDATE',
    next: prepared,
    old,
    subresource,
    dryRun,
    manager: manager(scope),
    ...extra,
  });
}

/** Serves a PUT of an object or its subresource, with optimistic concurrency on resourceVersion. */
export function update(scope: RequestScope, namespace: string, subresource: string): ApiResponse {
  const body = decodeObject(scope.request);
  const o = checkKind(scope, body);
  checkNamespace(scope, o, namespace);
  checkName(o, scope.info.name);
  const old = mustGet(scope, namespace, scope.info.name);
  if (o.metadata.resourceVersion && o.metadata.resourceVersion !== old.metadata.resourceVersion) {
    throw conflict(
      scope.def.group,
      scope.def.resource,
      scope.info.name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }
  if (old.metadata.uid && o.metadata.uid && o.metadata.uid !== old.metadata.uid) {
    throw conflict(
      scope.def.group,
      scope.def.resource,
      scope.info.name,
      `Precondition failed: UID in precondition: ${o.metadata.uid}, UID in object meta: ${old.metadata.uid}`,
    );
  }
  o.metadata.resourceVersion = old.metadata.resourceVersion;
  checkTypes(scope, o, false);
  const updated = updateObject(scope, o, old, subresource, isDryRun(scope.request), {
    decodeProblems: duplicateFields(scope),
  });
  return reply(scope, 200, typed(scope, updated));
}
