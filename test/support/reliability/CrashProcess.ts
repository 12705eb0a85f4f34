import { spawn } from "node:child_process"
import { prng } from "../../../src/emulators/adls/AdlsEmulator.js"
import { BIN } from "../cli.js"

/** When to kill: `delayMs` after the process first logs `after` (a JSON log line's message). */
export interface KillPlan {
  readonly after: string
  readonly delayMs: number
}

/** One `reverse-etl` process as it ended, with when it logged what (ms after it was spawned). */
export interface ProcessRun {
  readonly args: ReadonlyArray<string>
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** The first time each log message was seen on stderr. */
  readonly seen: ReadonlyMap<string, number>
  readonly exitMs: number
  /** When SIGKILL was sent, if it is what ended the process; undefined when no kill was planned or it came too late. */
  readonly killedAtMs: number | undefined
}

const messageOf = (line: string): string | undefined => {
  if (!line.startsWith("{")) return undefined
  try {
    const message = (JSON.parse(line) as { message?: unknown }).message
    return typeof message === "string" ? message : undefined
  } catch {
    return undefined
  }
}

/**
 * Runs the built CLI with only `env` (plus PATH), watching its JSON log lines on stderr as they
 * come, and sends it SIGKILL at the planned moment: nothing of the process gets a chance to
 * clean up, as when a machine loses power or the OOM killer strikes.
 */
export const runProcess = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  kill?: KillPlan,
  timeoutMs = 180_000,
): Promise<ProcessRun> =>
  new Promise((resolve, reject) => {
    const startedAt = performance.now()
    const elapsed = () => Math.round(performance.now() - startedAt)
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let stdout = ""
    let stderr = ""
    let pending = ""
    let exited = false
    let killedAtMs: number | undefined
    const seen = new Map<string, number>()
    const timers: Array<NodeJS.Timeout> = []
    const onMessage = (message: string) => {
      if (seen.has(message)) return
      seen.set(message, elapsed())
      if (kill !== undefined && message === kill.after) {
        timers.push(
          setTimeout(() => {
            if (exited) return
            killedAtMs = elapsed()
            child.kill("SIGKILL")
          }, kill.delayMs),
        )
      }
    }
    child.stdout.on("data", (chunk) => {
      stdout += chunk
    })
    child.stderr.on("data", (chunk) => {
      stderr += chunk
      pending += chunk
      for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
        const message = messageOf(pending.slice(0, end))
        pending = pending.slice(end + 1)
        if (message !== undefined) onMessage(message)
      }
    })
    let timedOut = false
    timers.push(
      setTimeout(() => {
        timedOut = true
        child.kill("SIGKILL")
      }, timeoutMs),
    )
    child.on("error", reject)
    child.on("exit", () => {
      exited = true
    })
    child.on("close", (code, signal) => {
      for (const timer of timers) clearTimeout(timer)
      if (timedOut)
        return reject(new Error(`${args.join(" ")} still ran after ${timeoutMs} ms:\n${stderr.slice(-1500)}`))
      // A signal sent while the process was already on its way out killed nothing.
      const killed = signal === "SIGKILL" ? killedAtMs : undefined
      resolve({ args, code, signal, stdout, stderr, seen, exitMs: elapsed(), killedAtMs: killed })
    })
  })

/** The last lines of a process's stderr, for an assertion message. */
export const tail = (run: ProcessRun, chars = 1500) =>
  `${run.args.join(" ")} → code ${run.code} signal ${run.signal}\n${run.stderr.slice(-chars)}`

/** The seeded PRNG the ADLS emulator draws its faults with: the same seed gives the same kill points. */
export const seededRandom = prng

/** A seed of its own for each trial, so one trial replays without the ones before it. */
export const trialSeed = (seed: number, ...parts: ReadonlyArray<string | number>) => {
  let h = seed >>> 0
  for (const char of parts.join("/")) h = Math.imul(h ^ char.charCodeAt(0), 0x01000193) >>> 0
  return h
}
