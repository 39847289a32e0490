/**
 * A container process that is Falco (the image's process says `watchSyscalls: falco`): it
 * reads its configuration and rules files from its own file system (the image's
 * `falco_rules.yaml`, ConfigMaps mounted over `/etc/falco`), refuses to start on a rules
 * error as Falco does, then evaluates every system call on its node and writes an alert
 * line to its log (JSON with `json_output: true`), which `kubectl logs` shows.
 */
import { parse } from 'yaml';
import type { SyscallEvent } from '../falco/event.ts';
import {
  type Alert,
  alertsFor,
  type CompiledRule,
  DEFAULT_LOADER_LIMITS,
  loadRules,
  parsePriority,
  type RuleFile,
} from '../falco/rules.ts';
import { viewOf } from './container-setup.ts';
import { onSyscalls } from './syscalls.ts';
import type { ContainerInstance, RuntimeState } from './types.ts';
import { type FsView, joinPath } from './vfs.ts';

/** Falco's defaults in the Helm chart's falco.yaml. */
const DEFAULT_RULES_FILES = ['/etc/falco/falco_rules.yaml', '/etc/falco/falco_rules.local.yaml', '/etc/falco/rules.d'];
/** Lines of its log a Falco container keeps (the runtime's bound on any container log). */
const MAX_LOG_LINES = 10_000;
/** Alerts one Falco writes per second of the cluster's clock before it drops the rest, as `outputs.rate` would. */
const MAX_ALERTS_PER_SECOND = 200;

const ROOT = { uid: 0, gid: 0, groups: [], dacOverride: true };

interface FalcoConfig {
  rulesFiles: string[];
  json: boolean;
  jsonOutputProperty: boolean;
  jsonTagsProperty: boolean;
  minPriority: string;
  stdout: boolean;
}

function readConfig(view: FsView, path: string): FalcoConfig | string {
  const r = view.read(path, ROOT);
  const raw = 'content' in r ? (parse(r.content) as Record<string, unknown> | null) : {};
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) return `${path}: not a YAML map`;
  const c = raw ?? {};
  const files = c.rules_files ?? c.rules_file ?? DEFAULT_RULES_FILES;
  const list = (Array.isArray(files) ? files : [files]).map(String);
  const minPriority = c.priority === undefined ? 'Debug' : parsePriority(c.priority);
  if (!minPriority) return `${path}: invalid priority ${String(c.priority)}`;
  const stdout = (c.stdout_output as { enabled?: unknown } | undefined)?.enabled;
  return {
    rulesFiles: list,
    json: c.json_output === true,
    jsonOutputProperty: c.json_include_output_property !== false,
    jsonTagsProperty: c.json_include_tags_property !== false,
    minPriority,
    stdout: stdout !== false,
  };
}

/** The rules files in load order: each entry a file, or a directory's `*.yaml` files by name. */
function ruleFiles(view: FsView, entries: string[]): RuleFile[] {
  const out: RuleFile[] = [];
  for (const entry of entries) {
    const e = view.stat(entry);
    if (!e) continue; // Falco skips a rules path that does not exist.
    if (e.type === 'dir') {
      for (const name of view.list(entry) ?? []) {
        if (!/\.ya?ml$/.test(name)) continue;
        const path = joinPath(entry, name);
        const r = view.read(path, ROOT);
        if ('content' in r) out.push({ name: path, content: r.content });
      }
    } else {
      const r = view.read(entry, ROOT);
      if ('content' in r) out.push({ name: entry, content: r.content });
    }
  }
  return out;
}

/** Falco's text time: `HH:MM:SS.nnnnnnnnn`. */
const clockTime = (ms: number) => `${new Date(ms).toISOString().slice(11, 23)}000000`;
/** Falco's JSON time: RFC 3339 with nanoseconds. */
const isoTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}000000Z`;

function alertLine(alert: Alert, node: string, cfg: FalcoConfig): string {
  const text = `${clockTime(alert.time)}: ${alert.priority} ${alert.output}`;
  if (!cfg.json) return text;
  return JSON.stringify({
    hostname: node,
    ...(cfg.jsonOutputProperty ? { output: text } : {}),
    priority: alert.priority,
    rule: alert.rule,
    source: 'syscall',
    ...(cfg.jsonTagsProperty ? { tags: alert.tags } : {}),
    time: isoTime(alert.time),
    output_fields: { 'evt.time': alert.time * 1_000_000, ...alert.outputFields },
  });
}

/**
 * Starts Falco in `inst`: loads configuration and rules, subscribes to its node's system
 * calls. Returns the error text (already in the log) when it must exit with status 1.
 */
export function startFalco(state: RuntimeState, inst: ContainerInstance, configPath: string): string | undefined {
  const clock = state.deps.clock;
  const log = (text: string, stream: 'stdout' | 'stderr' = 'stdout') => {
    inst.logs.push({ at: clock.now(), stream, text });
    if (inst.logs.length > MAX_LOG_LINES) inst.logs.splice(0, inst.logs.length - MAX_LOG_LINES);
  };
  const view = viewOf(inst.mounts);
  const stamp = new Date(clock.now()).toUTCString();
  log(`${stamp}: Falco version: 0.39.2 (x86_64)`, 'stderr');
  log(`${stamp}: Loading rules from:`, 'stderr');
  const cfg = readConfig(view, configPath);
  if (typeof cfg === 'string') {
    log(`Error: ${cfg}`, 'stderr');
    return cfg;
  }
  const files = ruleFiles(view, cfg.rulesFiles);
  let rules: CompiledRule[];
  try {
    rules = loadRules(files, DEFAULT_LOADER_LIMITS);
  } catch (e) {
    const message = (e as Error).message;
    for (const f of files) log(`${stamp}:    ${f.name}`, 'stderr');
    log(`Error: ${message}`, 'stderr');
    return message;
  }
  for (const f of files) log(`${stamp}:    ${f.name} | schema validation: ok`, 'stderr');
  log(`${stamp}: Loaded event sources: syscall`, 'stderr');
  log(`${stamp}: Enabled event sources: syscall`, 'stderr');
  log(`${stamp}: Opening 'syscall' source with modern BPF probe.`, 'stderr');
  let second = -1;
  let written = 0;
  const onEvent = (ev: SyscallEvent) => {
    if (inst.state !== 'running') return;
    const alerts = alertsFor(rules, ev, cfg.minPriority);
    if (!alerts.length || !cfg.stdout) return;
    const now = Math.floor(clock.now() / 1000);
    if (now !== second) {
      second = now;
      written = 0;
    }
    for (const a of alerts) {
      if (++written > MAX_ALERTS_PER_SECOND) return;
      log(alertLine(a, inst.nodeName, cfg));
    }
  };
  inst.cancel.push(onSyscalls(state, inst.nodeName, onEvent));
  return undefined;
}
