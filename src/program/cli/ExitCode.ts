import { Cause, Exit } from "effect"

/**
 * What the process exits with when a command ends: 0 on success, 130 when it was interrupted
 * (SIGTERM from Airflow, SIGINT from a person; a stopped task runs again), 1 for anything else.
 * `bin.ts` hands this to `NodeRuntime.runMain`'s teardown; tests of in-process runs use it too.
 */
export const exitCode = (exit: Exit.Exit<unknown, unknown>): 0 | 1 | 130 =>
  Exit.isSuccess(exit) ? 0 : Cause.isInterruptedOnly(exit.cause) ? 130 : 1
