#!/usr/bin/env node
/**
 * `paranoid`: the command line of the lab. Each command lives in its own
 * module under ./commands; this file only wires them to commander.
 */
import { Command, InvalidArgumentError, Option } from 'commander';

const program = new Command()
  .name('paranoid')
  .description('Paranoid: a hands-on lab for container and Kubernetes security.')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

const provider = () =>
  new Option('--provider <provider>', 'where clusters come from').choices(['sim', 'kind']).default('sim');

/** `--jobs`: a whole number of threads from 1 to 64 (a bound: each thread holds its own simulator). */
const jobCount = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64.');
  return n;
};

program
  .command('serve')
  .description('serve the whole lab (site and API) on one port')
  .addOption(
    new Option('--provider <provider>', 'where clusters come from')
      .choices(['sim', 'kind', 'namespace'])
      .default('sim'),
  )
  .option('--port <port>', 'port to listen on', '7420')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option(
    '--data-dir <dir>',
    "where progress, the signing key and the instructor token's hash are kept (default: ~/.local/share/paranoid)",
  )
  .addOption(
    new Option(
      '--database <url>',
      'keep learners, progress and workshops in PostgreSQL (postgres://...) instead of SQLite',
    ).env('PARANOID_DATABASE_URL'),
  )
  .option('--max-sessions <n>', 'most live sessions this runner holds at once; the next Start is refused')
  .option('--session-ttl <minutes>', 'minutes a session lives unless the learner extends it (default 45)')
  .option(
    '--max-sessions-per-address <n>',
    'most sessions live or starting from one client address (default 16); raise it behind a proxy that gives every learner one address',
  )
  .option(
    '--starts-per-minute <n>',
    'session starts a minute per client address (default 30; per learner a third of it, at least 10)',
  )
  .option(
    '--reserve-per-workshop <n>',
    "sim: clusters made ahead for each open workshop's first scenario, one per seat not yet started (default 20; 0: off)",
  )
  .option('--unsafe-local-shell', 'without bubblewrap, run learner shells unsandboxed (one user, own machine only)')
  .option('--allowed-origin <origin...>', 'more origins allowed to open terminals (a reverse proxy)')
  .option('--warm-pool <n>', 'kind: ready clusters kept waiting for the next learner', '1')
  .option('--max-clusters <n>', 'kind: most clusters alive at once; the next session is refused', '4')
  .addOption(
    new Option(
      '--replica-address <host:port>',
      'run as one of several replicas sharing --database (PostgreSQL): the address the others reach this one on (the pod IP); needs PARANOID_REPLICA_SECRET',
    ).env('PARANOID_REPLICA_ADDRESS'),
  )
  .addOption(
    new Option('--replica-id <name>', "this replica's name in the map (default: the host name)").env(
      'PARANOID_REPLICA_ID',
    ),
  )
  .addOption(
    new Option(
      '--drain-timeout <seconds>',
      'a replica told to stop (SIGTERM) takes no new session and waits this long for live ones to end (default: the session TTL)',
    ).env('PARANOID_DRAIN_TIMEOUT'),
  )
  .addOption(
    new Option(
      '--host-kubeconfig <file>',
      "namespace: the kubeconfig of the cluster learners get namespaces on (default: the pod's own service account)",
    ).env('PARANOID_HOST_KUBECONFIG'),
  )
  .option(
    '--toolbox-image <ref>',
    "namespace: the learner's toolbox image (a shell and kubectl), pullable by the nodes",
  )
  .addOption(
    new Option(
      '--terminals <mode>',
      "sandbox: learners' shells in bubblewrap on this machine; pod: each in a toolbox pod of its own (in Kubernetes)",
    )
      .choices(['sandbox', 'pod'])
      .default('sandbox'),
  )
  .option('--terminals-namespace <name>', 'pod terminals: the namespace they run in (default paranoid-terminals)')
  .option('--terminal-image <ref>', 'pod terminals: the image (a shell and kubectl), pullable by the nodes')
  .option(
    '--gateway-url <url>',
    "pod terminals: the runner's HTTPS gateway as the pods reach it (https://<pod IP>:7443)",
  )
  .option('--gateway-port <port>', 'pod terminals: the port the gateway listens on (default 7443)')
  .option(
    '--runner-selector <labels>',
    "pod terminals: the runner pods' labels (k=v,...), the only pods the terminals' NetworkPolicy lets them reach",
  )
  .addOption(
    new Option('--runner-namespace <name>', 'pod terminals: the namespace of the runner pods').env('POD_NAMESPACE'),
  )
  .option('--scenarios <dir>', "scenarios directory (default: the repository's)")
  .action(async (options) => {
    const { serve } = await import('./commands/serve.ts');
    try {
      await serve(options);
    } catch (error) {
      // A bad flag or an unreachable database: one line, not a stack trace. Exit at once:
      // what was started before the failure (the simulator's host) would keep the process alive.
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    }
  });

program
  .command('sim')
  .description('run one simulated cluster in the foreground and write a kubeconfig for kubectl')
  .option('--scenario <id>', "apply this scenario's setup")
  .option('--port <port>', 'port to listen on (0 picks a free one)', '0')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .requiredOption('--kubeconfig <file>', 'where to write the kubeconfig')
  .action(async (options) => {
    const { sim } = await import('./commands/sim.ts');
    try {
      await sim(options);
    } catch (error) {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  });

program
  .command('check')
  .description("grade a live cluster against a scenario's target state")
  .argument('<id>', 'scenario id')
  .requiredOption('--kubeconfig <file>', 'kubeconfig of the cluster to grade')
  .option('--json', 'print the result as JSON')
  .option('--scenarios <dir>', "scenarios directory (default: the repository's)")
  // Usage errors exit 2, as connection errors do; 1 is kept for "a MUST check fails".
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .action(async (id, options) => {
    const { check } = await import('./commands/check.ts');
    process.exitCode = await check(id, options);
  });

program
  .command('validate')
  .description(
    'prove every scenario solves: setup fails the checks, the solution and good variants pass, bad variants fail',
  )
  .addOption(provider())
  .option('--scenarios <dir>', "scenarios directory (default: the repository's)")
  .option('--jobs <n>', 'threads running cases on the simulator (default: one per core)', jobCount)
  .argument('[ids...]', 'scenario ids (default: all)')
  .action(async (ids, options) => {
    const { validate } = await import('./commands/validate.ts');
    process.exitCode = await validate(ids, options);
  });

const policies = program.command('policies').description("a scenario's checks as admission policies");
policies
  .command('export')
  .description("write a scenario's object checks as ValidatingAdmissionPolicy and binding YAML")
  .argument('<id>', 'scenario id')
  .addOption(
    new Option('--mode <mode>', 'what the bindings do with a violation (validationActions)')
      .choices(['deny', 'warn', 'audit'])
      .default('deny'),
  )
  .option('-o, --output <file>', 'write the YAML here instead of stdout')
  .option('--scenarios <dir>', "scenarios directory (default: the repository's)")
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .action(async (id, options) => {
    const { policiesExport } = await import('./commands/policies.ts');
    process.exitCode = policiesExport(id, options);
  });

program
  .command('lint')
  .description('validate every scenario folder and every track against their schemas')
  .option('--scenarios <dir>', "scenarios directory (default: the repository's)")
  .option('--tracks <dir>', "tracks directory (default: the repository's content/tracks)")
  .action(async (options) => {
    const { lint } = await import('./commands/lint.ts');
    process.exitCode = lint(options);
  });

/** Runs an instructor command: a CliError is printed as `error: ...` with its exit code, never a stack. */
const instructorAction =
  <A extends unknown[]>(run: (...args: A) => Promise<number> | number) =>
  async (...args: A) => {
    try {
      process.exitCode = await run(...args);
    } catch (error) {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
    }
  };

const runnerOptions = (command: Command) =>
  command
    .option('--url <url>', 'the running runner', 'http://127.0.0.1:7420')
    .option('--token <token>', 'the instructor token (default: $PARANOID_TOKEN)');

const workshop = program.command('workshop').description('run workshops on a running runner (instructor token needed)');

runnerOptions(
  workshop
    .command('create')
    .description('create a workshop and print its join code, join URL and instructor URL')
    .requiredOption('--title <title>', 'what learners see')
    .option('--track <id>', 'a track from content/tracks')
    .option('--scenarios <ids>', 'or a comma-separated list of scenario ids')
    .requiredOption('--seats <n>', 'how many learners may join')
    .option('--minutes <m>', "each learner's session length, in minutes (default 60)")
    .option('--starts <time>', 'when joining opens, ISO 8601 (default: now)')
    .option('--ends <time>', 'when the workshop ends, ISO 8601 (default: three hours after the start)')
    .option('--no-solutions', 'never reveal solutions in this workshop')
    .option('--stuck-minutes <m>', 'mark a learner stuck after this long without a change (default 10)')
    .option('--json', 'print JSON'),
).action(
  instructorAction(async (options) => {
    const { createWorkshop } = await import('./commands/workshop.ts');
    return createWorkshop(options);
  }),
);

runnerOptions(workshop.command('list').description('list workshops').option('--json', 'print JSON')).action(
  instructorAction(async (options) => {
    const { listWorkshops } = await import('./commands/workshop.ts');
    return listWorkshops(options);
  }),
);

runnerOptions(
  workshop.command('end').description('end a workshop and every session in it').argument('<id>', 'workshop id'),
).action(
  instructorAction(async (id: string, options) => {
    const { endWorkshop } = await import('./commands/workshop.ts');
    return endWorkshop(id, options);
  }),
);

runnerOptions(
  workshop
    .command('report')
    .description('one row per learner and scenario; in JSON each completed row carries its signed record')
    .argument('<id>', 'workshop id')
    .addOption(new Option('--format <format>', 'csv or json').default('json'))
    .option('--out <file>', 'write to a file instead of stdout'),
).action(
  instructorAction(async (id: string, options) => {
    const { workshopReport } = await import('./commands/workshop.ts');
    return workshopReport(id, options);
  }),
);

program
  .command('verify-report')
  .description('check every signed completion record in a saved JSON report')
  .argument('<file>', 'a report from `paranoid workshop report --format json`')
  .option('--public-key <file>', "the runner's public key (PEM)")
  .option('--data-dir <dir>', "the runner's data dir, whose key to trust")
  .option('--url <url>', 'a running runner to ask for its key')
  .action(
    instructorAction(async (file: string, options) => {
      const { verifyReport } = await import('./commands/verify-report.ts');
      return verifyReport(file, options);
    }),
  );

program
  .command('admin')
  .description("the runner's administration")
  .command('token')
  .description("create or rotate the instructor token in the runner's data dir and print it once")
  .option('--data-dir <dir>', "the runner's data dir, as given to serve (default: ~/.local/share/paranoid)")
  .option('--days <n>', 'days until it expires', '30')
  .action(
    instructorAction(async (options) => {
      const { adminToken } = await import('./commands/admin.ts');
      return adminToken(options);
    }),
  );
const images = program.command('images').description('scenario images for kind, built offline');
images
  .command('build')
  .description("build every scenario's images (or those of the scenarios named) on the local Docker engine, offline")
  .argument('[ids...]', 'scenario ids (default: all)')
  .option('--scenarios <dir>', "scenarios directory (default: the repository's)")
  .action(async (ids, options) => {
    const { imagesBuild } = await import('./commands/images.ts');
    try {
      process.exitCode = await imagesBuild(ids, options);
    } catch (error) {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    }
  });

program
  .command('doctor')
  .description('check what the kind provider needs: Docker, kind, kubectl, inotify limits, bubblewrap, disk')
  .action(async () => {
    const { doctor } = await import('./commands/doctor.ts');
    await doctor();
  });

await program.parseAsync(process.argv);
