import { describeService, startService } from '../../server.ts';
import { makeLogger } from '../../shared/log.ts';
import type { Command } from '../command.ts';

export const serve: Command = {
  words: ['serve'],
  summary: 'Run the service: the Portal and every front door.',
  usage: 'caremail serve',
  help: ['Settings come from the environment (see the README). Stop with Ctrl-C.'],
  async run(_args, settings, io) {
    const log = makeLogger(settings.logLevel);
    const running = await startService(settings, log);
    io.out(describeService(settings, running));
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    io.out('Stopping…');
    await running.close();
    return 0;
  },
};
