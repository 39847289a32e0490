/** RFC 3339 with seconds, as Kubernetes serialises metav1.Time. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** RFC 3339 with nanoseconds, as kubelet log timestamps (`--timestamps`). */
export const rfc3339Nano = (ms: number): string => {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000000Z`;
};

/** A 64-hex-digit id (container ids) from a uid source. */
export const hex64 = (uid: () => string): string => {
  const seed = uid();
  let out = '';
  let h = 2166136261;
  for (let i = 0; out.length < 64; i++) {
    for (const ch of `${seed}:${i}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
};
