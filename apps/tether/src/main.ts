import './runtime/random-pool.install';
import 'reflect-metadata';
import { CommandSpec, UsageError, commandHelp, parseFlags } from './cli/flags';
import { agentCommand } from './commands/agent.command';
import { controlCommand } from './commands/control.command';
import { dispatcherAccountCommand, dispatcherCommand } from './commands/dispatcher.command';
import { edgeCommand } from './commands/edge.command';
import { gatewayCommand } from './commands/gateway.command';
import { pkiCommands } from './commands/pki.command';
import { rebalanceCommand } from './commands/rebalance.command';
import { serverCommand } from './commands/server.command';
import { keepGcHeadroom } from './runtime/gc-headroom';

const COMMANDS: CommandSpec[] = [serverCommand, edgeCommand, gatewayCommand, controlCommand, dispatcherCommand, dispatcherAccountCommand, agentCommand, rebalanceCommand, ...pkiCommands];

function topHelp(): string {
  return [
    'Usage: tether <command> [flags]',
    '',
    'Tether: a horizontally scaled device cloud connection server (O3C Server 2.33 compatible).',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(26)}${c.summary}`),
    '',
    'Run `tether <command> --help` for the flags of a command.',
    '',
  ].join('\n');
}

function groupHelp(group: string): string {
  const subs = COMMANDS.filter((c) => c.name.startsWith(group + ' '));
  return [
    `Usage: tether ${group} <command> [flags]`,
    '',
    'Commands:',
    ...subs.map((c) => `  ${c.name.padEnd(26)}${c.summary}`),
    '',
    `Run \`tether ${group} <command> --help\` for the flags of a command.`,
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  let name = first;
  // Two-word commands: `tether pki <sub>`.
  if (name === 'pki' && rest[0] && !rest[0].startsWith('-')) name = `pki ${rest.shift()}`;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topHelp());
    return name ? 0 : 2;
  }
  if (name === 'pki') {
    // `tether pki` alone or with --help: the pki subcommands.
    process.stdout.write(groupHelp('pki'));
    return rest.length ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`tether: unknown command "${name}"\n\n${topHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp('tether', cmd));
    return 0;
  }
  keepGcHeadroom();
  try {
    return (await cmd.run(parseFlags(cmd, rest))) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tether ${cmd.name}: ${err.message}\n\n${commandHelp('tether', cmd)}`);
      return 2;
    }
    process.stderr.write(`tether ${cmd.name}: ${(err as Error).message}\n`);
    return 1;
  }
}

// Exit explicitly: a refused start may leave handles open (a Redis client retrying) that would keep the process alive.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`tether: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
