import type { StatusCause } from '@paranoid/k8s/status.ts';

/** A `field.Error` as the apiserver reports it in `details.causes` (`message` is `ErrorBody()`). */
export type Cause = Required<StatusCause>;

/**
 * Go's rendering of a bad value in `field.Invalid` (`%q` for strings, `%v` for numbers and bools, `%#v` for
 * maps and slices of strings), so messages read as the apiserver's do.
 */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
    return JSON.stringify(v);
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    if (entries.every(([, x]) => typeof x === 'string'))
      return `map[string]string{${entries.map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(', ')}}`;
    return JSON.stringify(v);
  }
  return String(v);
}

/** `v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}` */
export function goLabelSelector(sel: unknown): string {
  const s = (sel ?? {}) as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  const labels = s.matchLabels ? goValue(s.matchLabels) : 'map[string]string(nil)';
  const exprs = s.matchExpressions?.length
    ? `[]v1.LabelSelectorRequirement{${s.matchExpressions
        .map((e) => {
          const r = e as { key?: string; operator?: string; values?: string[] };
          return `v1.LabelSelectorRequirement{Key:${JSON.stringify(r.key ?? '')}, Operator:${JSON.stringify(r.operator ?? '')}, Values:${r.values ? goValue(r.values) : '[]string(nil)'}}`;
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${exprs}}`;
}

/** Collects field errors as validation finds them, for one Invalid Status listing them all. */
export class ErrorList {
  readonly causes: Cause[] = [];

  required(field: string, detail = ''): void {
    this.push('FieldValueRequired', field, 'Required value', detail);
  }

  invalid(field: string, value: unknown, detail: string, rendered?: string): void {
    this.push('FieldValueInvalid', field, `Invalid value: ${rendered ?? goValue(value)}`, detail);
  }

  notSupported(field: string, value: unknown, supported: string[]): void {
    this.push(
      'FieldValueNotSupported',
      field,
      `Unsupported value: ${goValue(value)}`,
      supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : '',
    );
  }

  duplicate(field: string, value: unknown): void {
    this.push('FieldValueDuplicate', field, `Duplicate value: ${goValue(value)}`, '');
  }

  /** `Too long: must have at most <max> bytes` (field.TooLong with a byte limit). */
  tooLong(field: string, max: number): void {
    this.push('FieldValueTooLong', field, `Too long: must have at most ${max} bytes`, '');
  }

  forbidden(field: string, detail: string): void {
    this.push('FieldValueForbidden', field, 'Forbidden', detail);
  }

  private push(reason: string, field: string, body: string, detail: string): void {
    this.causes.push({ reason, field, message: detail ? `${body}: ${detail}` : body });
  }
}
