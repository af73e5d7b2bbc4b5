import type { RegisterCommand } from '../main.js';

// Placeholder until the owning issue lands the command.
export const registerDaemon: RegisterCommand = (program, setExit) => {
  program
    .command('daemon')
    .description('(not yet implemented)')
    .action(() => {
      process.stderr.write('daemon: not implemented yet\n');
      setExit(1);
    });
};
