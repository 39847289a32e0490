#!/usr/bin/env node
/**
 * `paranoid`: the command line of the lab. Each command lives in its own
 * module under ./commands; this file only wires them to commander.
 */
import { Command, Option } from 'commander';
import { notImplemented } from './not-implemented.ts';

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
  .action(async (options) => {
    const { serve } = await import('./commands/serve.ts');
    await serve(options);
  });

program
  .command('sim')
  .description('run one simulated cluster in the foreground and write a kubeconfig for kubectl')
  .option('--scenario <id>', "apply this scenario's setup")
  .option('--port <port>', 'port to listen on (0 picks a free one)', '0')
  .requiredOption('--kubeconfig <file>', 'where to write the kubeconfig')
  .action(() => notImplemented('sim'));

program
  .command('check')
  .description("grade a live cluster against a scenario's target state")
  .argument('<id>', 'scenario id')
  .requiredOption('--kubeconfig <file>', 'kubeconfig of the cluster to grade')
  .option('--json', 'print the result as JSON')
  .action(() => notImplemented('check'));

program
  .command('validate')
  .description(
    'prove every scenario solves: setup fails the checks, the solution and good variants pass, bad variants fail',
  )
  .addOption(provider())
  .argument('[ids...]', 'scenario ids (default: all)')
  .action(() => notImplemented('validate'));

program
  .command('lint')
  .description('validate every scenario folder against the schema')
  .action(() => notImplemented('lint'));

program
  .command('doctor')
  .description('check what the kind provider needs: Docker, kind, kubectl, inotify limits, bubblewrap, disk')
  .action(() => notImplemented('doctor'));

await program.parseAsync(process.argv);
