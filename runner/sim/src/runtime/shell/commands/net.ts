import { type Dial, type Dialer, dial, exchangeAsync, lookupHost, parseResolvConf } from '../../netclient.ts';
import { type HttpRequest, type HttpResponse, STATUS_TEXT } from '../../services/http.ts';
import { encodeResp, kvCommand, type RespValue } from '../../services/kv.ts';
import { emitConnect } from '../../syscalls.ts';
import { credentials, type Sys } from '../context.ts';
import type { CommandCtx, CommandTable } from '../interpreter.ts';
import { busybox, readFile, resolvePath } from './util.ts';

/** Where a shell's connections come from, with the resolver settings of its /etc/resolv.conf. */
export function dialerOf(sys: Sys): Dialer {
  const resolv = parseResolvConf(sys.view.stat('/etc/resolv.conf')?.content ?? '');
  const pod = sys.net.kind === 'pod' ? sys.state.pods.get(sys.container?.podUid ?? '')?.pod : undefined;
  const livePod =
    sys.net.kind === 'pod'
      ? ((sys.state.deps.store.get({ group: '', resource: 'pods' }, sys.net.namespace, sys.net.name) as typeof pod) ??
        pod)
      : undefined;
  return {
    peer: sys.net,
    ip: sys.ip,
    ...(livePod ? { pod: livePod } : {}),
    nodeName: sys.host.name,
    search: resolv.search,
    ndots: resolv.ndots,
  };
}

interface Url {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  path: string;
}

/** Splits a URL as curl and wget accept it (scheme optional) into scheme, host, port and path. */
export function parseUrl(raw: string): Url | undefined {
  const m = raw.match(/^(?:(https?):\/\/)?(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)(?::(\d+))?([^#]*)?/i);
  if (!m) return undefined;
  const scheme = (m[1]?.toLowerCase() ?? 'http') as 'http' | 'https';
  return { scheme, host: m[2]!, port: m[3] ? Number(m[3]) : scheme === 'https' ? 443 : 80, path: m[4] || '/' };
}

type Fetch =
  | { ok: true; res: HttpResponse; dial: Dial & { ok: true } }
  | {
      ok: false;
      /** `no-answer`: connected and sent, but the answer never came back (a lost reply). */
      kind: 'dns' | 'refused' | 'timeout' | 'no-answer' | 'unreachable' | 'tls-mismatch' | 'cert' | 'protocol';
      ip?: string;
      message: string;
    };

/** One HTTP exchange from a shell, with TLS expectations: a self-signed dashboard needs -k, the apiserver trusts the cluster CA. */
export async function fetchFrom(
  ctx: CommandCtx,
  url: Url,
  req: HttpRequest,
  tls: { insecure: boolean; cacert?: string },
): Promise<Fetch> {
  const d = dialAs(ctx, url.host, url.port);
  if (!d.ok) {
    const kind = d.error === 'nxdomain' ? 'dns' : d.error;
    return { ok: false, kind, ...(d.ip ? { ip: d.ip } : {}), message: d.message };
  }
  if (url.scheme === 'https' && !d.tls)
    return { ok: false, kind: 'tls-mismatch', ip: d.ip, message: 'wrong version number' };
  if (url.scheme === 'http' && d.tls) {
    return {
      ok: true,
      dial: d,
      res: {
        status: 400,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: 'Client sent an HTTP request to an HTTPS server.\n',
      },
    };
  }
  if (url.scheme === 'https' && !tls.insecure && d.kind !== 'internet') {
    const trusted = d.kind === 'apiserver' && tls.cacert !== undefined && /BEGIN CERTIFICATE/.test(tls.cacert);
    if (!trusted)
      return {
        ok: false,
        kind: 'cert',
        ip: d.ip,
        message: d.kind === 'apiserver' ? 'unable to get local issuer certificate' : 'self-signed certificate',
      };
  }
  if (d.kind === 'process' && d.proc?.listen && (d.proc.listen.kind === 'kv' || d.proc.listen.kind === 'tcp')) {
    const res = await exchangeAsync(ctx.sys.state, d, req, ctx.sh.clock.now());
    return { ok: false, kind: 'protocol', ip: d.ip, message: res.body };
  }
  const res = await exchangeAsync(
    ctx.sys.state,
    d,
    { ...req, headers: { Host: url.host, ...req.headers } },
    ctx.sh.clock.now(),
  );
  if (res.lost) return { ok: false, kind: 'no-answer', ip: d.ip, message: 'no answer' };
  return { ok: true, dial: d, res };
}

function headerLines(res: HttpResponse): string {
  const lines = [`HTTP/1.1 ${res.status} ${STATUS_TEXT[res.status] ?? ''}`.trimEnd()];
  for (const [k, v] of Object.entries({
    ...res.headers,
    'Content-Length': String(new TextEncoder().encode(res.body).length),
  }))
    lines.push(`${k}: ${v}`);
  return lines.join('\r\n');
}

async function wget(ctx: CommandCtx): Promise<number> {
  const args = ctx.argv.slice(1);
  let quiet = false;
  let output: string | undefined;
  let showHeaders = false;
  let postData: string | undefined;
  const headers: Record<string, string> = {};
  const urls: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '-qO-' || a === '-qO' || a === '-O-') {
      quiet = quiet || a.startsWith('-q');
      output = a.endsWith('-') ? '-' : args[++i];
    } else if (a === '-O' || a === '--output-document') output = args[++i];
    else if (a.startsWith('-O')) output = a.slice(2);
    else if (a.startsWith('--output-document=')) output = a.slice(18);
    else if (a === '-S' || a === '--server-response') showHeaders = true;
    else if (a === '-T' || a === '--timeout') i++;
    else if (a.startsWith('-T') || a.startsWith('--timeout=')) {
      // the timeout changes nothing: a dropped connection reports at once
    } else if (a === '--header') {
      const [k, ...v] = (args[++i] ?? '').split(':');
      headers[k!.trim()] = v.join(':').trim();
    } else if (a.startsWith('--header=')) {
      const [k, ...v] = a.slice(9).split(':');
      headers[k!.trim()] = v.join(':').trim();
    } else if (a === '--post-data') postData = args[++i];
    else if (a.startsWith('--post-data=')) postData = a.slice(12);
    else if (a === '--no-check-certificate' || a === '-c' || a === '--spider' || a === '-s') {
      // accepted
    } else if (a.startsWith('-')) {
      for (const f of a.slice(1)) {
        if (f === 'q') quiet = true;
        else if (f === 'S') showHeaders = true;
      }
    } else urls.push(a);
  }
  if (!urls.length) {
    ctx.err(
      'BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n',
    );
    return 1;
  }
  let status = 0;
  for (const raw of urls) {
    const url = parseUrl(raw);
    if (!url) {
      ctx.err(`wget: bad address '${raw}'\n`);
      status = 1;
      continue;
    }
    const target = output ?? (url.path.split('/').pop() || 'index.html');
    const r = await fetchFrom(
      ctx,
      url,
      {
        method: postData !== undefined ? 'POST' : 'GET',
        path: url.path,
        headers: { 'User-Agent': 'Wget', ...headers },
        body: postData ?? '',
      },
      { insecure: true },
    );
    if (!r.ok) {
      if (r.kind === 'dns') ctx.err(`wget: bad address '${url.host}'\n`);
      else if (r.kind === 'timeout' || r.kind === 'no-answer') ctx.err('wget: download timed out\n');
      else if (r.kind === 'refused') ctx.err(`wget: can't connect to remote host (${r.ip}): Connection refused\n`);
      else if (r.kind === 'unreachable') ctx.err(`wget: can't connect to remote host (${r.ip}): No route to host\n`);
      else if (r.kind === 'tls-mismatch' || r.kind === 'protocol')
        ctx.err('wget: error getting response: Connection reset by peer\n');
      status = 1;
      continue;
    }
    const { res, dial: d } = r;
    if (!quiet) ctx.err(`Connecting to ${url.host}:${url.port} (${d.ip}:${url.port})\n`);
    if (showHeaders)
      ctx.err(
        `${headerLines(res)
          .split('\r\n')
          .map((l) => `  ${l}`)
          .join('\n')}\n`,
      );
    if (res.status >= 400) {
      ctx.err(`wget: server returned error: HTTP/1.1 ${res.status} ${STATUS_TEXT[res.status] ?? ''}\n`);
      status = 1;
      continue;
    }
    if (target === '-') {
      if (!quiet) ctx.err('writing to stdout\n');
      ctx.out(res.body);
      if (!quiet) ctx.err('written to stdout\n');
    } else {
      if (!quiet) ctx.err(`saving to '${target}'\n`);
      const err = ctx.sys.view.write(resolvePath(ctx, target), res.body, credentials(ctx.sys.sec));
      if (err) {
        ctx.err(
          `wget: can't open '${target}': ${err.error === 'EROFS' ? 'Read-only file system' : 'Permission denied'}\n`,
        );
        status = 1;
        continue;
      }
      if (!quiet) ctx.err(`'${target}' saved\n`);
    }
  }
  return status;
}

async function curl(ctx: CommandCtx): Promise<number> {
  const args = ctx.argv.slice(1);
  let silent = false;
  let showError = false;
  let insecure = false;
  let method: string | undefined;
  let data: string | undefined;
  let output: string | undefined;
  let include = false;
  let head = false;
  let verbose = false;
  let fail = false;
  let cacert: string | undefined;
  let writeOut: string | undefined;
  /** `--max-time` in ms: how long a lost answer is waited for (curl itself would wait for ever). */
  let maxTimeMs = 10_000;
  const headers: Record<string, string> = {};
  const urls: string[] = [];
  const needs = new Set([
    '-H',
    '--header',
    '-X',
    '--request',
    '-d',
    '--data',
    '--data-raw',
    '--data-binary',
    '-o',
    '--output',
    '--cacert',
    '-m',
    '--max-time',
    '--connect-timeout',
    '-u',
    '--user',
    '-w',
    '--write-out',
    '-A',
    '--user-agent',
    '--resolve',
  ]);
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    let v: string | undefined;
    if (a.startsWith('--') && a.includes('=')) {
      v = a.slice(a.indexOf('=') + 1);
      a = a.slice(0, a.indexOf('='));
    } else if (needs.has(a)) v = args[++i];
    else if (/^-[HXdowmu]./.test(a)) {
      v = a.slice(2);
      a = a.slice(0, 2);
    }
    switch (a) {
      case '-H':
      case '--header': {
        const [k, ...rest] = (v ?? '').split(':');
        headers[k!.trim()] = rest.join(':').trim();
        break;
      }
      case '-X':
      case '--request':
        method = v;
        break;
      case '-d':
      case '--data':
      case '--data-raw':
      case '--data-binary':
        data = v?.startsWith('@')
          ? (() => {
              const r = readFile(ctx, v.slice(1));
              return 'content' in r ? r.content : '';
            })()
          : v;
        break;
      case '-o':
      case '--output':
        output = v;
        break;
      case '--cacert': {
        const r = readFile(ctx, v ?? '');
        cacert = 'content' in r ? r.content : '';
        break;
      }
      case '-w':
      case '--write-out':
        writeOut = v;
        break;
      case '-m':
      case '--max-time': {
        const secs = Number(v);
        if (Number.isFinite(secs) && secs > 0) maxTimeMs = Math.round(secs * 1000);
        break;
      }
      case '--connect-timeout':
      case '-u':
      case '--user':
      case '-A':
      case '--user-agent':
      case '--resolve':
        break;
      case '--insecure':
        insecure = true;
        break;
      case '--silent':
        silent = true;
        break;
      case '--include':
        include = true;
        break;
      case '--head':
        head = true;
        break;
      case '--fail':
        fail = true;
        break;
      case '--verbose':
        verbose = true;
        break;
      case '--show-error':
        showError = true;
        break;
      default:
        if (/^-[a-zA-Z]+$/.test(a)) {
          for (const f of a.slice(1)) {
            if (f === 's') silent = true;
            else if (f === 'S') showError = true;
            else if (f === 'k') insecure = true;
            else if (f === 'i') include = true;
            else if (f === 'I') head = true;
            else if (f === 'v') verbose = true;
            else if (f === 'f') fail = true;
            else if (f === 'L' || f === 'N' || f === 'g') {
              // follow redirects / no buffer: nothing to do
            }
          }
        } else if (a.startsWith('-')) {
          // unknown long options are ignored, as curl warns but continues
        } else urls.push(a);
    }
  }
  if (!urls.length) {
    ctx.err("curl: try 'curl --help' or 'curl --manual' for more information\n");
    return 2;
  }
  const say = (msg: string, code: number) => {
    if (!silent || showError) ctx.err(`curl: (${code}) ${msg}\n`);
    return code;
  };
  let status = 0;
  for (const raw of urls) {
    const url = parseUrl(raw);
    if (!url) return say(`URL rejected: Malformed input to a URL function`, 3);
    const m = method ?? (head ? 'HEAD' : data !== undefined ? 'POST' : 'GET');
    if (verbose) ctx.err(`* Host ${url.host}:${url.port} was resolved.\n`);
    const r = await fetchFrom(
      ctx,
      url,
      {
        method: m,
        path: url.path,
        headers: {
          'User-Agent': 'curl/8.11.1',
          Accept: '*/*',
          ...(data !== undefined ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
          ...headers,
        },
        body: data ?? '',
      },
      { insecure, ...(cacert !== undefined ? { cacert } : {}) },
    );
    if (!r.ok) {
      switch (r.kind) {
        case 'dns':
          status = say(`Could not resolve host: ${url.host}`, 6);
          break;
        case 'refused':
          status = say(`Failed to connect to ${url.host} port ${url.port} after 0 ms: Couldn't connect to server`, 7);
          break;
        case 'unreachable':
          status = say(
            `Failed to connect to ${url.host} port ${url.port} after 3071 ms: Couldn't connect to server`,
            7,
          );
          break;
        case 'timeout':
          status = say(`Failed to connect to ${url.host} port ${url.port} after 10002 ms: Timeout was reached`, 28);
          break;
        case 'no-answer':
          // Without --max-time curl waits for ever; the simulator answers as `--max-time 10` would, rather than hang the shell.
          status = say(`Operation timed out after ${maxTimeMs + 1} milliseconds with 0 bytes received`, 28);
          break;
        case 'tls-mismatch':
          status = say('OpenSSL/3.3.2: error:0A00010B:SSL routines::wrong version number', 35);
          break;
        case 'cert':
          status = say(
            `SSL certificate problem: ${r.message}\nMore details here: https://curl.se/docs/sslcerts.html\n\ncurl failed to verify the legitimacy of the server and therefore could not\nestablish a secure connection to it. To learn more about this situation and\nhow to fix it, please visit the webpage mentioned above.`,
            60,
          );
          break;
        case 'protocol':
          if (r.message) ctx.out(r.message);
          status = say('Received HTTP/0.9 when not allowed', 1);
          break;
      }
      continue;
    }
    const { res, dial: d } = r;
    if (verbose) {
      ctx.err(
        `*   Trying ${d.ip}:${url.port}...\n* Connected to ${url.host} (${d.ip}) port ${url.port}\n> ${m} ${url.path} HTTP/1.1\n> Host: ${url.host}\n> User-Agent: curl/8.11.1\n> Accept: */*\n>\n`,
      );
      ctx.err(
        `${headerLines(res)
          .split('\r\n')
          .map((l) => `< ${l}`)
          .join('\n')}\n<\n`,
      );
    }
    if (fail && res.status >= 400) {
      status = say(`The requested URL returned error: ${res.status}`, 22);
      continue;
    }
    let body = head ? '' : res.body;
    if (include || head) body = `${headerLines(res)}\r\n\r\n${body}`;
    // curl writes -w to stdout after the transfer, wherever -o sent the body.
    const written = writeOut ? writeOut.replace(/%\{http_code\}/g, String(res.status)).replace(/\\n/g, '\n') : '';
    if (output && output !== '-') {
      const err = ctx.sys.view.write(resolvePath(ctx, output), body, credentials(ctx.sys.sec));
      if (err) status = say(`Failed writing body`, 23);
      if (written) ctx.out(written);
    } else {
      body += written;
      if (!silent && ctx.stdoutIsPipe && !verbose) {
        const n = new TextEncoder().encode(body).length;
        ctx.err(
          `  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n100 ${String(n).padStart(5)}  100 ${String(n).padStart(5)}    0     0   ${String(n).padStart(4)}k      0 --:--:-- --:--:-- --:--:--  ${String(n).padStart(4)}k\n`,
        );
      }
      ctx.out(body);
    }
  }
  return status;
}

async function nc(ctx: CommandCtx): Promise<number> {
  const args = ctx.argv.slice(1);
  let zero = false;
  let verbose = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-w' || a === '-W' || a === '-i' || a === '-q') {
      i++;
      continue;
    }
    if (/^-[a-zA-Z]+$/.test(a)) {
      if (a.includes('z')) zero = true;
      if (a.includes('v')) verbose = true;
      if (a.includes('l')) {
        ctx.err('nc: listening is not simulated\n');
        return 1;
      }
      continue;
    }
    rest.push(a);
  }
  const [host, portSpec] = rest;
  if (!host || !portSpec) {
    ctx.err(
      'BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: nc [OPTIONS] HOST PORT  - connect\n',
    );
    return 1;
  }
  const ports = portSpec.includes('-')
    ? (() => {
        const [a, b] = portSpec.split('-').map(Number);
        return Array.from({ length: Math.min(1024, (b ?? a!) - a! + 1) }, (_, i) => a! + i);
      })()
    : [Number(portSpec)];
  let status = 1;
  for (const port of ports) {
    ctx.sh.step();
    const d = dialAs(ctx, host, port);
    if (!d.ok) {
      if (d.error === 'nxdomain') {
        ctx.err(`nc: bad address '${host}'\n`);
        return 1;
      }
      if (verbose || !zero) {
        ctx.err(
          d.error === 'timeout'
            ? `nc: ${host} (${d.ip}:${port}): Connection timed out\n`
            : d.error === 'unreachable'
              ? `nc: ${host} (${d.ip}:${port}): No route to host\n`
              : `nc: ${host} (${d.ip}:${port}): Connection refused\n`,
        );
      }
      continue;
    }
    status = 0;
    if (zero) {
      if (verbose) ctx.err(`${host} (${d.ip}:${port}) open\n`);
      continue;
    }
    const proc = d.proc;
    if (proc?.listen?.kind === 'kv') {
      const authed = { ok: false };
      for (const line of ctx.stdin.split(/\r?\n/).filter((l) => l.trim())) {
        ctx.out(encodeResp(kvCommand(proc, tokenizeInline(line), authed)));
      }
    } else if (proc?.listen?.kind === 'tcp' || d.kind === 'kubelet') {
      if (proc?.listen?.banner) ctx.out(proc.listen.banner);
    } else if (ctx.stdin) {
      const [requestLine = '', ...headerLines] = ctx.stdin.split(/\r?\n/);
      const [m = 'GET', path = '/'] = requestLine.split(' ');
      const headers: Record<string, string> = {};
      for (const h of headerLines) {
        const i = h.indexOf(':');
        if (i > 0) headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
      }
      if (d.tls) continue;
      const res = await exchangeAsync(ctx.sys.state, d, { method: m, path, headers, body: '' }, ctx.sh.clock.now());
      if (!res.lost) ctx.out(`${headerLinesOf(res)}\r\n\r\n${res.body}`);
    }
  }
  return status;
}

function headerLinesOf(res: HttpResponse): string {
  return headerLines(res);
}

function tokenizeInline(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

function nslookup(ctx: CommandCtx): number {
  const name = ctx.argv.slice(1).find((a) => !a.startsWith('-'));
  if (!name) {
    ctx.err('Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n');
    return 1;
  }
  const dialer = dialerOf(ctx.sys);
  const server = ctx.sys.view.stat('/etc/resolv.conf')?.content.match(/nameserver\s+(\S+)/)?.[1] ?? '10.96.0.10';
  const r = lookupHost(ctx.sys.state, dialer, name);
  if ('error' in r && r.error === 'TIMEOUT') {
    ctx.out(';; connection timed out; no servers could be reached\n\n');
    return 1;
  }
  ctx.out(`Server:\t\t${server}\nAddress:\t${server}:53\n\n`);
  if ('error' in r) {
    const tried = name.includes('.') ? [name] : [...dialer.search.map((s) => `${name}.${s}`), name];
    for (const t of tried) ctx.out(`** server can't find ${t}: NXDOMAIN\n\n`);
    return 1;
  }
  for (const ip of r.ips) ctx.out(`Name:\t${r.name.replace(/\.$/, '')}\nAddress: ${ip}\n\n`);
  return 0;
}

function formatResp(v: RespValue, tty: boolean, indent = ''): string {
  if (v === null) return tty ? '(nil)' : '';
  if (typeof v === 'number') return tty ? `(integer) ${v}` : String(v);
  if (typeof v === 'string') return tty ? JSON.stringify(v) : v;
  if (Array.isArray(v)) {
    if (!v.length) return tty ? '(empty array)' : '';
    return v
      .map((x, i) => (tty ? `${indent}${i + 1}) ${formatResp(x, tty, `${indent}   `)}` : formatResp(x, tty)))
      .join('\n');
  }
  if ('error' in v) return `(error) ${v.error}`;
  return v.status;
}

async function redisCli(ctx: CommandCtx): Promise<number> {
  const args = ctx.argv.slice(1);
  let host = '127.0.0.1';
  let port = 6379;
  let password: string | undefined;
  let raw = false;
  const command: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (command.length) command.push(a);
    else if (a === '-h') host = args[++i] ?? host;
    else if (a === '-p') port = Number(args[++i]);
    else if (a === '-a') password = args[++i];
    else if (a === '-n') i++;
    else if (a === '--raw') raw = true;
    else if (a === '--no-auth-warning' || a === '--no-raw') {
      // accepted
    } else if (a.startsWith('-')) {
      ctx.err(`Unrecognized option or bad number of args for: '${a}'\n`);
      return 1;
    } else command.push(a);
  }
  if (password !== undefined && !args.includes('--no-auth-warning')) {
    ctx.err("Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n");
  }
  const d = dialAs(ctx, host, port);
  if (!d.ok) {
    const why =
      d.error === 'nxdomain'
        ? 'Name does not resolve'
        : d.error === 'timeout'
          ? 'Connection timed out'
          : d.error === 'unreachable'
            ? 'No route to host'
            : 'Connection refused';
    ctx.err(`Could not connect to Redis at ${host}:${port}: ${why}\n`);
    return 1;
  }
  const proc = d.proc;
  if (proc?.listen?.kind !== 'kv') {
    ctx.err(`Error: Server closed the connection\n`);
    return 1;
  }
  const tty = ctx.sys.tty && !ctx.stdoutIsPipe && !raw;
  const authed = { ok: false };
  if (password !== undefined) kvCommand(proc, ['AUTH', password], authed);
  const commands = command.length
    ? [command]
    : ctx.stdin
        .split('\n')
        .filter((l) => l.trim())
        .map(tokenizeInline);
  if (!commands.length) {
    ctx.err('redis-cli: the interactive prompt is not simulated; pass a command, e.g. redis-cli -h HOST GET key\n');
    return 1;
  }
  for (const c of commands) {
    ctx.sh.step();
    const reply = kvCommand(proc, c, authed);
    ctx.out(`${formatResp(reply, tty)}\n`);
  }
  void busybox;
  return 0;
}

/** The network clients of the simulated shell: wget, curl, nc, nslookup and redis-cli. */
export const netCommands: CommandTable = { wget, curl, nc, nslookup, 'redis-cli': redisCli };

/** A TCP connect from the command's process: the dial, and the connect(2) an agent on the node sees. */
export function dialAs(ctx: CommandCtx, host: string, port: number): Dial {
  const d = dial(ctx.sys.state, dialerOf(ctx.sys), host, port);
  if (d.ok || d.ip) emitConnect(ctx.sys, ctx.proc, d.ip ?? host, d.ok ? d.port : port, d.ok ? undefined : d.error);
  return d;
}
