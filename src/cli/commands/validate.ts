import type { RegisterCommand } from '../main.js';

// Placeholder until the owning issue lands the command.
export const registerValidate: RegisterCommand = (program, setExit) => {
  program
    .command('validate')
    .description('(not yet implemented)')
    .action(() => {
      process.stderr.write('validate: not implemented yet\n');
      setExit(1);
    });
};
