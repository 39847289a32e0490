import type { Image } from '@paranoid/schema/image.ts';
import type { ImagePackage, Severity } from '@paranoid/schema/image-facts.ts';
import { fsErrorText } from '../../vfs.ts';
import { credentials } from '../context.ts';
import type { CommandCtx, CommandTable } from '../interpreter.ts';
import { resolvePath } from './util.ts';

/**
 * `trivy image`: scans an image from the registry and reports the vulnerabilities its
 * scan facts (`packages` in the image format) list, as Trivy 0.5x prints them. The gate
 * of a pipeline is its flags: `--exit-code`, `--severity`, `--ignore-unfixed`. `--format
 * cosign-vuln` writes the report as cosign's vuln predicate, which `cosign attest --type vuln`
 * signs; `--output FILE` writes the report there instead of stdout.
 */

const FORMATS = ['table', 'json', 'cosign-vuln'];
const TRIVY_VERSION = '0.58.1';

const SEVERITIES: Severity[] = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

interface Finding {
  pkg: ImagePackage;
  id: string;
  severity: Severity;
  fixedVersion?: string;
  title: string;
}

function osOf(image: Image): string {
  const release = image.files['/etc/os-release']?.content ?? '';
  const id = release.match(/^ID=(.*)$/m)?.[1]?.replace(/"/g, '');
  // Trivy names a Debian release by /etc/debian_version (7.8), not os-release's major version.
  const debian = id === 'debian' ? image.files['/etc/debian_version']?.content.trim() : undefined;
  const version = debian || release.match(/^VERSION_ID=(.*)$/m)?.[1]?.replace(/"/g, '');
  return id ? `${id} ${version ?? ''}`.trim() : 'unknown';
}

/** A box-drawn table, as Trivy's table writer draws it. */
function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 2);
  const line = (l: string, m: string, r: string) => `${l}${widths.map((w) => '─'.repeat(w)).join(m)}${r}\n`;
  const cells = (r: string[], center: boolean) =>
    `│${r
      .map((c, i) => {
        const pad = widths[i]! - c.length;
        const left = center ? Math.floor(pad / 2) : 1;
        return `${' '.repeat(left)}${c}${' '.repeat(pad - left)}`;
      })
      .join('│')}│\n`;
  return `${line('┌', '┬', '┐')}${cells(head, true)}${line('├', '┼', '┤')}${rows.map((r) => cells(r, false)).join('')}${line('└', '┴', '┘')}`;
}

function trivy(ctx: CommandCtx): number {
  const args = ctx.argv.slice(1);
  const sub = args.shift();
  if (sub !== 'image' && sub !== 'i') {
    ctx.err(
      sub === undefined || sub === '--help' || sub === '-h'
        ? 'Usage:\n  trivy image [flags] IMAGE_NAME\n'
        : `Error: unknown command "${sub}" for "trivy"\nRun 'trivy --help' for usage.\n`,
    );
    return 1;
  }
  let exitCode = 0;
  let severities = new Set<Severity>(SEVERITIES);
  let ignoreUnfixed = false;
  let format = 'table';
  let output: string | undefined;
  let ref: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = () => inline ?? args[++i] ?? '';
    if (flag === '--exit-code') {
      const raw = value();
      if (!/^-?\d+$/.test(raw)) {
        ctx.err(
          `Error: invalid argument "${raw}" for "--exit-code" flag: strconv.ParseInt: parsing "${raw}": invalid syntax\n`,
        );
        return 1;
      }
      exitCode = Number(raw) & 255;
    } else if (flag === '--severity' || flag === '-s') {
      const list = value()
        .split(',')
        .map((s) => s.trim().toUpperCase());
      const bad = list.find((s) => !SEVERITIES.includes(s as Severity));
      if (bad) {
        ctx.err(`FATAL\tFatal error\tflag error: unknown severity option: unable to parse severity: "${bad}"\n`);
        return 1;
      }
      severities = new Set(list as Severity[]);
    } else if (flag === '--ignore-unfixed') ignoreUnfixed = true;
    else if (flag === '--format' || flag === '-f') {
      format = value();
      if (!FORMATS.includes(format)) {
        ctx.err(`FATAL\tFatal error\tflag error: report flag error: unknown format: ${format}\n`);
        return 1;
      }
    } else if (flag === '--output' || flag === '-o') output = value();
    else if (flag === '--quiet' || flag === '-q' || flag === '--no-progress') continue;
    else if (flag.startsWith('-')) {
      ctx.err(`Error: unknown flag: ${flag}\n`);
      return 1;
    } else ref = a;
  }
  if (!ref) {
    ctx.err('FATAL\tFatal error\timage name must be specified\n');
    return 1;
  }
  const pulled = ctx.sys.state.deps.registry.pull(ref);
  if (!pulled.ok) {
    ctx.err(
      `FATAL\tFatal error\trun error: image scan error: scan error: unable to initialize a scan service: unable to initialize an image scan service: unable to find the specified image "${ref}" in ["docker" "containerd" "podman" "remote"]: ${pulled.message}\n`,
    );
    return 1;
  }
  const image = pulled.image;
  const findings: Finding[] = image.packages.flatMap((pkg) =>
    pkg.vulnerabilities
      .filter((v) => severities.has(v.severity) && (!ignoreUnfixed || v.fixedVersion !== undefined))
      .map((v) => ({ pkg, id: v.id, severity: v.severity, fixedVersion: v.fixedVersion, title: v.title })),
  );
  findings.sort(
    (a, b) => a.pkg.name.localeCompare(b.pkg.name) || SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity),
  );
  const target = `${ref} (${osOf(image)})`;
  ctx.err(`INFO\tVulnerability scanning is enabled\nINFO\tDetected OS\tfamily="${osOf(image).split(' ')[0]}"\n`);
  const started = new Date(ctx.sh.clock.now()).toISOString();
  let text = '';
  const write = (t: string) => {
    text += t;
  };
  if (format === 'json' || format === 'cosign-vuln') {
    const report = {
      SchemaVersion: 2,
      ArtifactName: ref,
      ArtifactType: 'container_image',
      Metadata: { ImageID: image.digest, RepoDigests: [pulled.imageRef] },
      Results: [
        {
          Target: target,
          Class: 'os-pkgs',
          Vulnerabilities: findings.map((f) => ({
            VulnerabilityID: f.id,
            PkgName: f.pkg.name,
            InstalledVersion: f.pkg.version,
            ...(f.fixedVersion ? { FixedVersion: f.fixedVersion } : {}),
            Status: f.fixedVersion ? 'fixed' : 'affected',
            Severity: f.severity,
            Title: f.title,
          })),
        },
      ],
    };
    // cosign's vuln predicate (`cosign attest --type vuln`), as Trivy's cosign-vuln writer fills it.
    const body =
      format === 'json'
        ? report
        : {
            invocation: { parameters: null, uri: '', event_id: '', 'builder.id': '' },
            scanner: {
              uri: `pkg:github/aquasecurity/trivy@v${TRIVY_VERSION}`,
              version: TRIVY_VERSION,
              db: { uri: '', version: '' },
              result: report,
            },
            metadata: { scanStartedOn: started, scanFinishedOn: new Date(ctx.sh.clock.now()).toISOString() },
          };
    write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    const counts = [...severities]
      .sort((a, b) => SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b))
      .map((s) => `${s}: ${findings.filter((f) => f.severity === s).length}`);
    write(`\n${target}\n${'='.repeat(target.length)}\nTotal: ${findings.length} (${counts.join(', ')})\n\n`);
    if (findings.length > 0) {
      write(
        table(
          ['Library', 'Vulnerability', 'Severity', 'Status', 'Installed Version', 'Fixed Version', 'Title'],
          findings.map((f) => [
            f.pkg.name,
            f.id,
            f.severity,
            f.fixedVersion ? 'fixed' : 'affected',
            f.pkg.version,
            f.fixedVersion ?? '',
            f.title,
          ]),
        ),
      );
    }
  }
  if (output === undefined) ctx.out(text);
  else {
    const error = ctx.sys.view.write(resolvePath(ctx, output), text, credentials(ctx.sys.sec));
    if (error) {
      ctx.err(
        `FATAL\tFatal error\tunable to create an output file: open ${output}: ${fsErrorText[error.error].toLowerCase()}\n`,
      );
      return 1;
    }
  }
  return findings.length > 0 ? exitCode : 0;
}

/** `trivy`, which reports the packages and vulnerabilities an image's facts list. */
export const scanCommands: CommandTable = { trivy };
