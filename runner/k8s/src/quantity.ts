/**
 * resource.Quantity arithmetic, enough for LimitRanger and ResourceQuota: values
 * are kept in milli-units as integers (bigint), so `100m + 900m` is exactly `1`.
 */

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** Milli-units of a quantity (`500m` → 500n, `1Gi` → 1073741824000n), rounded up as Kubernetes does; undefined if unparsable. */
export function milli(q: string | number | undefined): bigint | undefined {
  if (q === undefined || q === null) return undefined;
  const text = String(q).trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const sign = m[1] === '-' ? -1n : 1n;
  const intPart = m[2] || '0';
  const frac = m[3] ?? '';
  const digits = BigInt(intPart + frac);
  let exp10 = -frac.length + 3; // to milli
  let factor = 1n;
  if (m[4] !== undefined) exp10 += Number(m[4]);
  else if (m[5] && BINARY[m[5]]) factor = BINARY[m[5]]!;
  else exp10 += DECIMAL_EXP[m[5] ?? '']!;
  let value = digits * factor;
  if (exp10 >= 0) value *= 10n ** BigInt(exp10);
  else {
    const div = 10n ** BigInt(-exp10);
    value = (value + div - 1n) / div;
  }
  return sign * value;
}

/**
 * A canonical quantity string for milli-units: `500m`, `2`, `1Gi`, `1500Mi`.
 * `binary` picks Ki/Mi/Gi suffixes for byte-valued resources (memory, storage).
 */
export function formatMilli(value: bigint, binary: boolean): string {
  if (value % 1000n !== 0n) return `${value}m`;
  const whole = value / 1000n;
  if (binary && whole !== 0n) {
    for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
      const f = BINARY[suffix]!;
      if (whole % f === 0n) return `${whole / f}${suffix}`;
    }
  }
  if (!binary && whole !== 0n) {
    for (const [suffix, exp] of [
      ['E', 18n],
      ['P', 15n],
      ['T', 12n],
      ['G', 9n],
      ['M', 6n],
      ['k', 3n],
    ] as const) {
      const f = 10n ** exp;
      if (whole % f === 0n && whole >= f) return `${whole / f}${suffix}`;
    }
  }
  return `${whole}`;
}

/** Whether a resource name counts bytes (so its quantities print with binary suffixes). */
export const isByteResource = (name: string): boolean => /memory|storage/.test(name);

/** Formats a quantity the way Quantity.String() would for its resource. */
export const formatQuantity = (name: string, value: bigint): string => formatMilli(value, isByteResource(name));

/** The canonical form of a quantity as written (`1000m` → `1`), or the text itself if it does not parse. */
export function canonical(q: string | number): string {
  const v = milli(q);
  if (v === undefined) return String(q);
  // The author's suffix family decides the format, as Quantity keeps it: `1Gi` binary, `1G` or `1000` decimal.
  return formatMilli(v, /i$/.test(String(q).trim()));
}

/** A quantity as a plain number of units (`250m` → 0.25, `64Mi` → 67108864), for the scheduler and the kubelet. */
export function quantityValue(q: string | number | undefined): number | undefined {
  const m = milli(q);
  return m === undefined ? undefined : Number(m) / 1000;
}

/** CPU in millicores (`1950m` → 1950, `2` → 2000). */
export function millicores(q: string | number | undefined): number | undefined {
  const m = milli(q);
  return m === undefined ? undefined : Number(m);
}
