import type { Command } from 'commander';

/** Adds one command to the program; its action reports the exit code through `setExit`. */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;
