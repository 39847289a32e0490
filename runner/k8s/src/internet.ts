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

/** Why a TCP connection from outside the cluster did not open, in the words a client prints. */
export type StreamDialError = 'refused' | 'timeout' | 'unreachable' | 'nxdomain';

/** The answer to opening a TCP connection from outside the cluster to a node address and port. */
export type InternetStreamOpened =
  | {
      ok: true;
      id: string;
      /** The server speaks TLS on this port: the caller ends the client's TLS before the stream. */
      tls: boolean;
      /** What the server says first (a banner), possibly nothing. */
      data: Uint8Array;
    }
  | { ok: false; error: StreamDialError; message: string };

/** What the server sent back for the bytes given, and whether it closed the connection. */
export interface InternetStreamChunk {
  data: Uint8Array;
  end: boolean;
}

/** The node addresses, and the ports on them that may answer from outside (NodePorts, hostPorts, the kubelet). */
export interface InternetListening {
  addresses: string[];
  ports: number[];
}

/**
 * TCP from outside the cluster as a byte stream (the learner's `nc` or `redis-cli` to a node's
 * NodePort): the same way in as {@link InternetRequest}, kept open. Ids are the cluster's own.
 */
export interface InternetStreams {
  open(target: { host: string; port: number }): InternetStreamOpened | Promise<InternetStreamOpened>;
  send(id: string, data: Uint8Array): InternetStreamChunk | Promise<InternetStreamChunk>;
  close(id: string): void | Promise<void>;
  listening(): InternetListening | Promise<InternetListening>;
}
