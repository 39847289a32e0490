import type { KubeObject } from '@paranoid/k8s/object.ts';
import { applyDefaults } from '../defaults/apply-defaults.ts';
import { serverSideApply } from '../patch/server-side-apply.ts';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch.ts';
import { type FieldValidationMode, validateFields } from '../validation/field-validation.ts';
import { validateObject } from '../validation/validate-object.ts';
import { openApiV2 } from './v2.ts';
import { openApiV3Document, openApiV3Index } from './v3.ts';

/**
 * Everything schema-driven, in the shape the API layer's `SchemaSlots` (`api/context.ts`) takes:
 * `createCluster({ schema: SCHEMA_ENGINE, ... })`. Structurally typed so this side does not import the API layer.
 */
export const SCHEMA_ENGINE = {
  openApiV3Index,
  openApiV3Document,
  openApiV2,
  strategicMergePatch: (
    live: KubeObject,
    patch: unknown,
    gvk: { group: string; version: string; kind: string },
  ): KubeObject => applyStrategicMergePatch(live, patch, gvk),
  serverSideApply: (args: { live?: KubeObject; applied: KubeObject; manager: string; force: boolean; now: string }) =>
    serverSideApply(args),
  /**
   * Unknown fields (reason `FieldValueUnknown`, only under Strict; warnings under Warn) first, as the decoder
   * rejects them before validation runs; then the object's `Invalid` causes.
   */
  validate(obj: KubeObject, fieldValidation: FieldValidationMode, old?: KubeObject) {
    const fields = validateFields(obj, fieldValidation);
    if (fields.errors.length > 0) return fields;
    // With the old object, the update's rules and not the create's (a Job's generated selector is checked once).
    return { errors: validateObject(obj, old), warnings: fields.warnings };
  },
  applyDefaults,
};
