import { Command, Options } from "@effect/cli"
import { Console, Effect, Layer, Option, Redacted } from "effect"
import { ConfigurationError } from "../../domain/Errors.js"
import { EMULATOR_DEFAULTS, salesforceEmulator } from "../../emulators/salesforce/SalesforceEmulator.js"
import type { ValidationRule } from "../../emulators/salesforce/SalesforceStore.js"
import { runCommand } from "./CommandRuntime.js"
import { listenPort, logFormat } from "./CommonOptions.js"
import type { Wiring } from "./Wiring.js"

const options = {
  port: listenPort(8091),
  username: Options.text("username").pipe(Options.withDefault(EMULATOR_DEFAULTS.username)),
  password: Options.redacted("password").pipe(Options.withDefault(Redacted.make(EMULATOR_DEFAULTS.password))),
  token: Options.redacted("token").pipe(
    Options.withDefault(Redacted.make(EMULATOR_DEFAULTS.securityToken)),
    Options.withDescription("security token, appended to the password at login"),
  ),
  clientId: Options.text("client-id").pipe(
    Options.optional,
    Options.withDescription("connected app the OAuth2 endpoint accepts"),
  ),
  clientSecret: Options.redacted("client-secret").pipe(Options.optional),
  inProgressPolls: Options.integer("in-progress-polls").pipe(
    Options.optional,
    Options.withDescription(
      "status checks a closed job answers InProgress at least (default 1 with --batch-ms 0, else 0)",
    ),
  ),
  parallelBatches: Options.integer("parallel-batches").pipe(
    Options.withDefault(4),
    Options.withDescription("internal batches of 10,000 rows the org processes at once, across all jobs"),
  ),
  batchMs: Options.integer("batch-ms").pipe(
    Options.withDefault(0),
    Options.withDescription("milliseconds one internal batch takes; a job is InProgress until its last batch ends"),
  ),
  dailyBatches: Options.integer("daily-batches").pipe(
    Options.withDefault(15_000),
    Options.withDescription("the org's Bulk API batches a day; a job needing more than remain fails EXCEEDED_QUOTA"),
  ),
  failRule: Options.text("fail-rule").pipe(
    Options.repeated,
    Options.withDescription("FIELD=REGEX: rows whose FIELD matches REGEX fail validation (repeatable)"),
  ),
  logFormat,
}

/** An integer flag's value if it is at least `min`, or an error naming the flag. */
export const atLeast = (flag: string, min: number, value: number): Effect.Effect<number, ConfigurationError> =>
  value >= min
    ? Effect.succeed(value)
    : Effect.fail(
        new ConfigurationError({
          message: `${flag} must be an integer ≥ ${min} (got ${value})`,
          details: { setting: flag, value: String(value) },
        }),
      )

/** `FIELD=REGEX` as a validation rule, or an error naming the flag. */
export const parseFailRule = (text: string): Effect.Effect<ValidationRule, ConfigurationError> => {
  const at = text.indexOf("=")
  const field = text.slice(0, at)
  const bad = (rule: string) =>
    new ConfigurationError({
      message: `--fail-rule ${rule} (got ${JSON.stringify(text)})`,
      details: { setting: "--fail-rule", value: text },
    })
  if (at <= 0 || !/^[A-Za-z]\w*$/.test(field)) return Effect.fail(bad("must look like FIELD=REGEX"))
  return Effect.try({
    try: () => new RegExp(text.slice(at + 1)),
    catch: () => bad("has an invalid regular expression"),
  }).pipe(
    Effect.map((pattern) => ({
      field,
      fails: (value: string | null) => pattern.test(value ?? ""),
      message: `${field} matches the emulator's rule /${pattern.source}/`,
    })),
  )
}

export const serveSalesforceCommandOf = (wiring: Wiring) =>
  Command.make("serve-salesforce", options, ({ logFormat, ...o }) =>
    runCommand(
      wiring,
      "serve-salesforce",
      logFormat,
      Effect.scoped(
        Effect.gen(function* () {
          const rules = yield* Effect.forEach(o.failRule, parseFailRule)
          const dailyBatches = yield* atLeast("--daily-batches", 0, o.dailyBatches)
          const parallelBatches = yield* atLeast("--parallel-batches", 1, o.parallelBatches)
          const batchMs = yield* atLeast("--batch-ms", 0, o.batchMs)
          const inProgressPolls = yield* Option.match(o.inProgressPolls, {
            onNone: () => Effect.succeed(batchMs > 0 ? 0 : 1),
            onSome: (polls) => atLeast("--in-progress-polls", 0, polls),
          })
          const emulator = yield* salesforceEmulator({
            port: o.port,
            username: o.username,
            password: Redacted.value(o.password),
            securityToken: Redacted.value(o.token),
            ...Option.match(o.clientId, { onNone: () => ({}), onSome: (clientId) => ({ clientId }) }),
            ...Option.match(o.clientSecret, {
              onNone: () => ({}),
              onSome: (s) => ({ clientSecret: Redacted.value(s) }),
            }),
            inProgressPolls,
            parallelBatches,
            batchMs,
            dailyBatches,
            rules,
          })
          yield* Effect.logInfo("Salesforce emulator listening").pipe(
            Effect.annotateLogs({
              url: emulator.url,
              username: o.username,
              fail_rules: o.failRule.length,
              parallel_batches: parallelBatches,
              batch_ms: batchMs,
              daily_batches: dailyBatches,
            }),
          )
          yield* Console.log(emulator.url)
          return yield* Effect.never
        }),
      ),
      Layer.empty,
    ),
  ).pipe(
    Command.withDescription(
      "Serve a Salesforce emulator on 127.0.0.1: SOAP and OAuth2 login, Bulk API 2.0 ingest (for demos and tests)",
    ),
  )
