import pino, { type Logger } from 'pino';

/** Structured JSON logs. Anything that could hold a secret is redacted wherever it appears. */
export function makeLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'caremail' },
      redact: {
        paths: [
          'password', '*.password', 'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
          'token', '*.token', 'temporaryPassword', '*.temporaryPassword', 'secret', '*.secret',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
