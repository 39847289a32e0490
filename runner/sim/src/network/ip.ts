/**
 * IPv4 addresses as unsigned 32-bit numbers, and CIDR blocks as inclusive
 * ranges. The simulated cluster is IPv4-only, as a default kind cluster is.
 */

/** An inclusive range of IPv4 addresses, as numbers. */
export interface IpRange {
  start: number;
  end: number;
}

/** `10.244.1.5` → 183763205; undefined when the text is not a dotted quad. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** Writes an IPv4 address held as a 32-bit number in dotted form. */
export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** `10.0.0.0/8` → the range it covers; a bare address is a /32. */
export function parseCidr(text: string): IpRange | undefined {
  const [address, bits] = text.split('/');
  const base = parseIPv4(address ?? '');
  if (base === undefined) return undefined;
  const prefix = bits === undefined ? 32 : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const start = Math.floor(base / size) * size;
  return { start, end: start + size - 1 };
}

/** Whether an IPv4 address lies in a range (a parsed CIDR). */
export function inRange(ip: number, range: IpRange): boolean {
  return ip >= range.start && ip <= range.end;
}

/** Whether the dotted-quad `ip` lies in `cidr`; false for anything unparsable. */
export function ipInCidr(ip: string, cidr: string): boolean {
  const value = parseIPv4(ip);
  const range = parseCidr(cidr);
  return value !== undefined && range !== undefined && inRange(value, range);
}

/** `0.0.0.0-9.255.255.255`, the analyzer's way of writing a range. */
export function formatRange(range: IpRange): string {
  return `${formatIPv4(range.start)}-${formatIPv4(range.end)}`;
}

/** `cidr` minus each of `except`, as sorted disjoint ranges with adjacent ones merged. */
export function subtractRanges(base: IpRange, except: IpRange[]): IpRange[] {
  let out: IpRange[] = [base];
  for (const cut of except) {
    const next: IpRange[] = [];
    for (const r of out) {
      if (cut.end < r.start || cut.start > r.end) next.push(r);
      else {
        if (cut.start > r.start) next.push({ start: r.start, end: cut.start - 1 });
        if (cut.end < r.end) next.push({ start: cut.end + 1, end: r.end });
      }
    }
    out = next;
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * Splits the whole IPv4 space into the fewest disjoint ranges such that each
 * given range is a union of some of them: every range then behaves uniformly
 * under ipBlocks built from those CIDRs.
 */
export function disjointRanges(ranges: IpRange[]): IpRange[] {
  const cuts = new Set<number>([0, 2 ** 32]);
  for (const r of ranges) {
    cuts.add(r.start);
    cuts.add(r.end + 1);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: IpRange[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) out.push({ start: sorted[i]!, end: sorted[i + 1]! - 1 });
  return out;
}
