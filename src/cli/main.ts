import { loadSettings, SettingsError } from '../config/settings.ts';
import { DataFolderBusyError } from '../db/pglite-lock.ts';
import { type Command, type CommandIO, parseCommandArgs, UsageError } from './command.ts';
import { reportDomainError } from './report.ts';
import { auditShow, auditVerify } from './commands/audit.ts';
import { demo } from './commands/demo.ts';
import { migrate } from './commands/migrate.ts';
import { orgAdd, orgImport, orgList } from './commands/org.ts';
import { serve } from './commands/serve.ts';
import { dkimShow } from './commands/dkim.ts';
import { userAdd, userImport, userList } from './commands/user.ts';
import { roleGrant, roleRemove } from './commands/roles.ts';
import { approvalApprove, approvalList, approvalReject, quotaRequest, quotaShow, quotaStandard } from './commands/quota.ts';
import { lifecycleRun, userDisable, userEnable, userJoiner, userLeaver, userMove, userRestore, userSync } from './commands/lifecycle.ts';

export const COMMANDS: Command[] = [serve, migrate, orgImport, orgAdd, orgList, userAdd, userImport, userList, userLeaver, userJoiner, userDisable, userEnable, userRestore, userMove, userSync, lifecycleRun, roleGrant, roleRemove, auditVerify, auditShow, demo, dkimShow, quotaShow, quotaRequest, quotaStandard, approvalList, approvalApprove, approvalReject];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.words.join(' ').length));
  return [
    'Caremail: secure email, directory and administration for health and social care.',
    '',
    'Usage: caremail <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Run `caremail <command> --help` for a command\'s options. Settings come from the environment (see README).',
  ].join('\n');
}

function commandHelp(c: Command): string {
  return [c.summary, '', `Usage: ${c.usage}`, ...(c.help.length ? ['', ...c.help] : [])].join('\n');
}

/** Finds the command whose words start argv; the longest match wins. */
function findCommand(argv: string[]): { cmd: Command; rest: string[] } | null {
  let best: Command | null = null;
  for (const c of COMMANDS) {
    if (c.words.every((w, i) => argv[i] === w) && (!best || c.words.length > best.words.length)) best = c;
  }
  return best ? { cmd: best, rest: argv.slice(best.words.length) } : null;
}

export async function runCli(argv: string[], io: CommandIO, env = process.env): Promise<number> {
  if (!argv.length || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    const found = argv[0] === 'help' ? findCommand(argv.slice(1)) : null;
    io.out(found ? commandHelp(found.cmd) : overview());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.words[0] === argv[0]);
    if (group.length) {
      io.err(`"${argv.slice(0, 2).join(' ')}" is not a command. Did you mean one of: ${group.map((c) => c.words.join(' ')).join(', ')}?`);
    } else {
      io.err(`"${argv[0]}" is not a caremail command. Run \`caremail help\` for the list.`);
    }
    return 2;
  }
  try {
    const args = parseCommandArgs(found.cmd, found.rest);
    if (args.values.help) {
      io.out(commandHelp(found.cmd));
      return 0;
    }
    const settings = loadSettings(env);
    return await found.cmd.run(args, settings, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof SettingsError || err instanceof DataFolderBusyError) {
      io.err(err.message);
      return 2;
    }
    // A rule of the service said no (bad field, bad file, not allowed): say why, change nothing.
    const refused = reportDomainError(err, io);
    if (refused !== null) return refused;
    throw err;
  }
}
