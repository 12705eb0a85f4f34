import { Migrator, type SqlClient } from "@effect/sql"
import { Effect } from "effect"

type Migration = { readonly default: Effect.Effect<void, unknown, SqlClient.SqlClient> }

/** Imports a migration when the migrator reaches it, so `run` never loads what is already applied. */
const lazy = (load: () => Promise<Migration>) => Effect.flatMap(Effect.promise(load), (module) => module.default)

/** Every migration, `{id}_{name}` → its effect. Adding one is one line here. */
export const migrations = Migrator.fromRecord({
  "0001_core": lazy(() => import("./0001_core.js")),
  "0002_salesforce_sync": lazy(() => import("./0002_salesforce_sync.js")),
})
