import { Cause, Data, type Exit, Option } from "effect"

/** How `reverse-etl` exits; the README's "Command line" section lists the same codes. */
export const ExitCode = {
  /** The command did what it was asked; for `status`, nothing needs a person. */
  ok: 0,
  /** The command failed: a bad flag or setting, an outside system that failed, a warehouse it cannot read. */
  failed: 1,
  /**
   * `status` read everything and found something only a person can fix: a failed last run, a
   * stale checkpoint, a poison line in the queue, rows the last sync could not put in Salesforce.
   * Not 2, which many tools use for a usage error; 3 is what `systemctl status` answers for a unit
   * that needs looking at.
   */
  needsAttention: 3,
  /** Ctrl+C, SIGINT or SIGTERM. */
  interrupted: 130,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/**
 * A command that ran to its end and answers its caller through an exit code other than 0. It is
 * not an error of the command: it is logged as a warning, never as a failure.
 */
export class CommandVerdict extends Data.TaggedError("CommandVerdict")<{
  readonly code: ExitCode
  readonly message: string
}> {}

/** The code the process exits with once a command has ended this way. */
export const exitCodeOf = (exit: Exit.Exit<unknown, unknown>): ExitCode => {
  if (exit._tag === "Success") return ExitCode.ok
  if (Cause.isInterruptedOnly(exit.cause)) return ExitCode.interrupted
  const failure = Cause.failureOption(exit.cause)
  return Option.isSome(failure) && failure.value instanceof CommandVerdict ? failure.value.code : ExitCode.failed
}
