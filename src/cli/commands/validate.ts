import { Option } from 'commander';
import type { RegisterCommand } from '../register.js';

interface ValidateFlags {
  output: 'text' | 'json';
}

/** `validate [PATH...]`: argv only; src/commands/validate.ts does the work. */
export const registerValidate: RegisterCommand = (program, setExit) => {
  program
    .command('validate')
    .description('check subscription files; needs no token and makes no API call')
    .argument('[paths...]', 'files or directories (default: ./subscriptions)')
    .addOption(
      new Option('-o, --output <format>', 'text, or json on stdout')
        .choices(['text', 'json'])
        .default('text'),
    )
    .action(async (paths: string[] | undefined, options: ValidateFlags) => {
      const { runValidate } = await import('../../commands/validate.js');
      setExit(await runValidate({ paths: paths ?? [], output: options.output }));
    });
};
