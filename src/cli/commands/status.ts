import type { RegisterCommand } from '../main.js';

// Placeholder until the owning issue lands the command.
export const registerStatus: RegisterCommand = (program, setExit) => {
  program
    .command('status')
    .description('(not yet implemented)')
    .action(() => {
      process.stderr.write('status: not implemented yet\n');
      setExit(1);
    });
};
