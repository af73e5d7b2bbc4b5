import type { RegisterCommand } from '../main.js';

// Placeholder until the owning issue lands the command.
export const registerExport: RegisterCommand = (program, setExit) => {
  program
    .command('export')
    .description('(not yet implemented)')
    .action(() => {
      process.stderr.write('export: not implemented yet\n');
      setExit(1);
    });
};
