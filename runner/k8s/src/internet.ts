/**
 * An HTTP request made from outside the cluster, as an attacker on the internet
 * would (grader probes, the attack replayed). Defined in the core because the
 * simulator answers it, the grader sends it and providers carry it; the
 * dependencies point inward, so everyone imports it from here.
 */
export interface InternetRequest {
  method?: string;
  /** A node address or a LoadBalancer ingress address, or a host name from the scenario. */
  host: string;
  port: number;
  path: string;
  scheme?: 'http' | 'https';
  headers?: Record<string, string>;
}

/** What came back from a request from the internet: the answer, or why there was none (a dial error). */
export type InternetResponse =
  | { ok: true; status: number; headers: Record<string, string>; body: string }
  | { ok: false; error: string };
