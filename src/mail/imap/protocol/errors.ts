/**
 * The only error the protocol layer throws or reports for bad input (misusing
 * the API, e.g. readLine() while not paused, is a plain Error: a bug, not input).
 *
 * The session turns one of these into a reply without inspecting its origin:
 * `${tag ?? '*'} ${status} [${code}] ${reason}`. Keeping reason text free of CR/LF
 * and bounded in length matters because it is echoed to the client verbatim.
 */

/** Response codes the parser may suggest; UNKNOWN-CTE is raised later, when BINARY meets an encoding it cannot undo. */
export type ParseErrorCode = 'TOOBIG' | 'BADCHARSET' | 'PARSE' | 'CLIENTBUG' | 'UNKNOWN-CTE';

export interface ParseErrorInit {
  tag?: string;
  /** Upper-cased command name, when it was read before the failure. */
  command?: string;
  code?: ParseErrorCode;
  /** Suggested status for the tagged reply; BYE means the connection must be closed. */
  status?: 'BAD' | 'NO' | 'BYE';
  /** The reader cannot resynchronise with the client; close after replying. */
  fatal?: boolean;
}

const MAX_REASON = 200;

export class ImapParseError extends Error {
  readonly tag: string | undefined;
  readonly command: string | undefined;
  readonly reason: string;
  readonly code: ParseErrorCode | undefined;
  readonly status: 'BAD' | 'NO' | 'BYE';
  readonly fatal: boolean;

  constructor(reason: string, init: ParseErrorInit = {}) {
    const clean = sanitiseReason(reason);
    super(clean);
    this.name = 'ImapParseError';
    this.reason = clean;
    this.tag = init.tag;
    this.command = init.command;
    this.code = init.code;
    this.fatal = init.fatal ?? false;
    this.status = init.status ?? (this.fatal ? 'BYE' : 'BAD');
  }

  /** A copy that knows the tag/command, used as errors bubble up from argument parsers. */
  withContext(tag: string | undefined, command: string | undefined): ImapParseError {
    return new ImapParseError(this.reason, {
      tag: this.tag ?? tag,
      command: this.command ?? command,
      code: this.code,
      status: this.status,
      fatal: this.fatal,
    });
  }
}

/** Reasons quote client input, so strip anything that could break the reply line. */
function sanitiseReason(reason: string): string {
  const oneLine = reason.replace(/[\x00-\x1f\x7f]/g, '?');
  return oneLine.length > MAX_REASON ? `${oneLine.slice(0, MAX_REASON - 3)}...` : oneLine;
}
