#!/usr/bin/env node
/**
 * `paranoid`: the command line of the lab. Each command lives in its own
 * module under ./commands; this file only wires them to commander.
 */
import { Command, Option } from 'commander';

const program = new Command()
  .name('paranoid')
  .description('Paranoid: a hands-on lab for container and Kubernetes security.')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

const provider = () =>
  new Option('--provider <provider>', 'where clusters come from').choices(['sim', 'kind']).default('sim');

program
  .command('serve')
  .description('serve the whole lab (site and API) on one port')
  .addOption(provider())
  .option('--port <port>', 'port to listen on', '7420')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--data-dir <dir>', "where learners' progress is kept (default: ~/.local/share/paranoid)")
  .option('--unsafe-local-shell', 'without bubblewrap, run learner shells unsandboxed (one user, own machine only)')
  .option('--allowed-origin <origin...>', 'more origins allowed to open terminals (a reverse proxy)')
  .option('--warm-pool <n>', 'kind: ready clusters kept waiting for the next learner', '1')
  .option('--max-clusters <n>', 'kind: most clusters alive at once; the next session is refused', '4')
  .action(async (options) => {
    const { serve } = await import('./commands/serve.ts');
    await serve(options);
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
  .argument('[ids...]', 'scenario ids (default: all)')
  .action(async (ids, options) => {
    const { validate } = await import('./commands/validate.ts');
    process.exitCode = await validate(ids, options);
  });

program
  .command('lint')
  .description('validate every scenario folder against the schema')
  .option('--scenarios <dir>', "scenarios directory (default: the repository's)")
  .action(async (options) => {
    const { lint } = await import('./commands/lint.ts');
    process.exitCode = lint(options);
  });

program
  .command('doctor')
  .description('check what the kind provider needs: Docker, kind, kubectl, inotify limits, bubblewrap, disk')
  .action(async () => {
    const { doctor } = await import('./commands/doctor.ts');
    await doctor();
  });

await program.parseAsync(process.argv);
