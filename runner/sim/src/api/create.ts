/** POST of a new object (upstream: handlers/create.go). */
import { invalid } from '@paranoid/k8s/status.ts';
import { decodeObject } from './body.ts';
import { isDryRun, type RequestScope, reply, typed } from './scope.ts';
import { prepareForCreate } from './strategy.ts';
import type { ApiResponse } from './types.ts';
import { checkKind, checkNamespace, checkTypes, duplicateFields, manager, write } from './write.ts';

/** Serves a POST of a new object: decode, default, admit, validate and store it, as kube-apiserver does. */
export function create(scope: RequestScope, namespace: string): ApiResponse {
  const body = decodeObject(scope.request);
  const o = checkKind(scope, body);
  checkNamespace(scope, o, namespace);
  for (const k of [
    'uid',
    'resourceVersion',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'generation',
    'selfLink',
  ] as const) {
    delete o.metadata[k as keyof typeof o.metadata];
  }
  if (!o.metadata.name && !o.metadata.generateName) {
    throw invalid(scope.def.group, scope.def.kind, '', [
      {
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
        reason: 'FieldValueRequired',
      },
    ]);
  }
  checkTypes(scope, o, false);
  const decodeProblems = duplicateFields(scope);
  prepareForCreate(scope.ctx, scope.def, o);
  const created = write(scope, {
    operation: 'CREATE',
    next: o,
    subresource: '',
    dryRun: isDryRun(scope.request),
    manager: manager(scope),
    decodeProblems,
  });
  return reply(scope, 201, typed(scope, created));
}
