import { Command, Options } from "@effect/cli"
import { Console, Effect, Layer, Option, Redacted, Runtime } from "effect"
import { invalidSetting } from "../../domain/Errors.js"
import { adlsEmulator } from "../../emulators/adls/AdlsEmulator.js"
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from "../../emulators/adls/AdlsSharedKey.js"
import { runCommand } from "./CommandRuntime.js"
import { listenHost, listenPort, logFormat } from "./CommonOptions.js"
import type { Wiring } from "./Wiring.js"

const options = {
  port: listenPort(10004),
  host: listenHost,
  account: Options.text("account").pipe(
    Options.withDefault(DEV_ACCOUNT),
    Options.withDescription("storage account name"),
  ),
  accountKey: Options.redacted("account-key").pipe(
    Options.optional,
    Options.withDescription("base64 account key the signatures must use (default: Azurite's well-known dev key)"),
  ),
  dir: Options.text("dir").pipe(
    Options.optional,
    Options.withDescription("keep the lake in this directory (default: in memory)"),
  ),
  fault503Pct: Options.float("fault-503-pct").pipe(
    Options.withDefault(0),
    Options.withDescription("answer this share of calls (0-100) with 503 ServerBusy"),
  ),
  logFormat,
}

/** `reverse-etl serve-adls`: the ADLS Gen2 emulator, until interrupted. Prints its account URL on stdout. */
export const serveAdlsCommandOf = (wiring: Wiring) =>
  Command.make("serve-adls", options, ({ logFormat, ...o }) =>
    runCommand(
      wiring,
      "serve-adls",
      logFormat,
      Effect.gen(function* () {
        if (o.port < 0 || o.port > 65535) return yield* invalidSetting("--port", "must be from 0 to 65535")
        if (!(o.fault503Pct >= 0 && o.fault503Pct <= 100))
          return yield* invalidSetting("--fault-503-pct", "must be from 0 to 100")
        const runtime = yield* Effect.runtime<never>()
        const emulator = yield* adlsEmulator({
          account: o.account,
          accountKey: Option.match(o.accountKey, { onNone: () => DEV_ACCOUNT_KEY, onSome: Redacted.value }),
          host: o.host,
          port: o.port,
          fault503Pct: o.fault503Pct,
          ...(Option.isSome(o.dir) ? { dir: o.dir.value } : {}),
          onRequest: (entry) =>
            Runtime.runSync(runtime)(
              Effect.logDebug("ADLS request").pipe(
                Effect.annotateLogs({ operation: entry.operation, path: entry.path, status: entry.status }),
              ),
            ),
        })
        yield* Effect.logInfo("ADLS Gen2 emulator listening").pipe(
          Effect.annotateLogs({
            url: emulator.url,
            account: emulator.account,
            dir: Option.getOrElse(o.dir, () => "memory"),
          }),
        )
        yield* Console.log(emulator.url)
        return yield* Effect.never
      }).pipe(Effect.scoped),
      Layer.empty,
    ),
  ).pipe(
    Command.withDescription("Serve the ADLS Gen2 blob + dfs surface on a local port (demo, tests, docker-compose)"),
  )
