import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"

export const BIN = fileURLToPath(new URL("../../dist/program/bin.js", import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the built `reverse-etl` binary as a child process with only the environment given (plus
 * PATH), so the host's variables never leak into a test; its output is kept for the test to read.
 * The process is killed if the test ends first.
 */
export const runCli = (
  args: ReadonlyArray<string>,
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Effect.Effect<CliResult> =>
  Effect.async((resume) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { PATH: process.env.PATH ?? "", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => {
      stdout += chunk
    })
    child.stderr.on("data", (chunk) => {
      stderr += chunk
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000)
    child.on("error", (error) => resume(Effect.die(error)))
    child.on("close", (code) => {
      clearTimeout(timer)
      resume(Effect.succeed({ code, stdout, stderr }))
    })
    return Effect.sync(() => {
      clearTimeout(timer)
      child.kill("SIGKILL")
    })
  })

/** The JSON log lines a run wrote to stderr. */
export const jsonLines = (text: string): Array<Record<string, unknown>> =>
  text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)

/** A `reverse-etl` process still running: its output so far, a way to signal it, and how it ends. */
export interface RunningCli {
  readonly stderr: () => string
  readonly signal: (signal: NodeJS.Signals) => void
  /** Resolves when the process has exited and its output is closed. */
  readonly exited: Effect.Effect<CliResult>
}

/**
 * Starts the built `reverse-etl` binary as `runCli` does, but hands it back while it runs, so a
 * test can signal it at a moment of its choosing (a sync point, never a guessed delay). The
 * process is killed when the test's scope closes, if it still runs.
 */
export const startCli = (args: ReadonlyArray<string>, options: { env?: Record<string, string>; cwd?: string } = {}) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: options.cwd ?? process.cwd(),
        env: { PATH: process.env.PATH ?? "", ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
      })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk) => {
        stdout += chunk
      })
      child.stderr.on("data", (chunk) => {
        stderr += chunk
      })
      const closed = new Promise<CliResult>((resolve, reject) => {
        child.on("error", reject)
        child.on("close", (code) => resolve({ code, stdout, stderr }))
      })
      return { child, closed, stderr: () => stderr }
    }),
    ({ child }) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")),
  ).pipe(
    Effect.map(
      ({ child, closed, stderr }): RunningCli => ({
        stderr,
        signal: (signal) => void child.kill(signal),
        exited: Effect.promise(() => closed),
      }),
    ),
  )
