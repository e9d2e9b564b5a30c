import { runCli } from './main.ts';

const io = { out: (l: string) => process.stdout.write(`${l}\n`), err: (l: string) => process.stderr.write(`${l}\n`) };
runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`caremail: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  },
);
