import type { RegisterCommand } from '../main.js';

// Placeholder until the owning issue lands the command.
export const registerEmulator: RegisterCommand = (program, setExit) => {
  program
    .command('emulator')
    .description('(not yet implemented)')
    .action(() => {
      process.stderr.write('emulator: not implemented yet\n');
      setExit(1);
    });
};
