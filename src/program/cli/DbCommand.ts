import { Command } from "@effect/cli"
import { Console, Duration, Effect } from "effect"
import { AppConfig } from "../../services/AppConfig.js"
import { Warehouse } from "../../services/Warehouse.js"
import { runCommand } from "./CommandRuntime.js"
import { logFormat } from "./CommonOptions.js"
import type { Wiring } from "./Wiring.js"

const migrationName = (m: { readonly id: number; readonly name: string }) =>
  `${String(m.id).padStart(4, "0")}_${m.name}`

const migrateCommandOf = (wiring: Wiring) =>
  Command.make("migrate", { logFormat }, ({ logFormat }) =>
    runCommand(
      wiring,
      "db migrate",
      logFormat,
      Effect.gen(function* () {
        const settings = yield* AppConfig
        const warehouse = yield* Warehouse
        const applied = yield* Effect.gen(function* () {
          yield* Effect.logInfo("db migrate started")
          const [elapsed, applied] = yield* Effect.timed(warehouse.migrate)
          yield* Effect.logInfo("db migrate succeeded").pipe(
            Effect.annotateLogs({ duration_ms: Duration.toMillis(elapsed) }),
          )
          return applied
        }).pipe(Effect.annotateLogs({ warehouse: settings.warehouse.kind }))
        for (const migration of applied) {
          yield* Effect.logInfo(`applied migration ${migrationName(migration)}`)
          yield* Console.log(`applied ${migrationName(migration)}`)
        }
        if (applied.length === 0) yield* Console.log("the warehouse schema is up to date")
      }),
      wiring.warehouse,
    ),
  ).pipe(
    Command.withDescription("Apply every warehouse migration not applied yet (SQLite or Azure SQL, per WAREHOUSE)"),
  )

export const dbCommandOf = (wiring: Wiring) =>
  Command.make("db").pipe(
    Command.withDescription("Warehouse administration"),
    Command.withSubcommands([migrateCommandOf(wiring)]),
  )
