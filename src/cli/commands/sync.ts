import type { RegisterCommand } from '../main.js';

// Placeholder until the owning issue lands the command.
export const registerSync: RegisterCommand = (program, setExit) => {
  program
    .command('sync')
    .description('(not yet implemented)')
    .action(() => {
      process.stderr.write('sync: not implemented yet\n');
      setExit(1);
    });
};
