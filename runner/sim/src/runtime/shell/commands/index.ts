import { registerCommands } from '../interpreter.ts';
import { craneCommands } from './crane.ts';
import { crictlCommands } from './crictl.ts';
import { fileCommands } from './files.ts';
import { kubectlCommands } from './kubectl.ts';
import { netCommands } from './net.ts';
import { packageCommands } from './packages.ts';
import { scanCommands } from './scan.ts';
import { signCommands } from './sign.ts';
import { stressCommands } from './stress.ts';
import { systemCommands } from './system.ts';
import { systemctlCommands } from './systemctl.ts';
import { tarCommands } from './tar.ts';

registerCommands({
  ...fileCommands,
  ...systemCommands,
  ...netCommands,
  ...kubectlCommands,
  ...tarCommands,
  ...scanCommands,
  ...craneCommands,
  ...packageCommands,
  ...signCommands,
  ...stressCommands,
  ...crictlCommands,
  ...systemctlCommands,
});

/** Every command the simulator implements, by name (availability still depends on the image's binaries). */
export const IMPLEMENTED_COMMANDS: string[] = Object.keys({
  ...fileCommands,
  ...systemCommands,
  ...netCommands,
  ...kubectlCommands,
  ...tarCommands,
  ...scanCommands,
  ...craneCommands,
  ...packageCommands,
  ...signCommands,
  ...stressCommands,
  ...crictlCommands,
  ...systemctlCommands,
}).sort();
