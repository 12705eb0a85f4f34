import { Command } from "@effect/cli"
import { checkApiCommandOf } from "./CheckApiCommand.js"
import { dbCommandOf } from "./DbCommand.js"
import { runCommandOf } from "./RunCommand.js"
import { serveAdlsCommandOf } from "./ServeAdlsCommand.js"
import { serveApiCommandOf } from "./ServeApiCommand.js"
import { serveSalesforceCommandOf } from "./ServeSalesforceCommand.js"
import { VERSION } from "./Version.js"
import type { Wiring } from "./Wiring.js"

/** The `reverse-etl` command tree, running with the implementations `wiring` gives. */
export const makeCli = (wiring: Wiring) => {
  const root = Command.make("reverse-etl").pipe(
    Command.withDescription("Weekly reverse ETL: events API → Parquet → lake + warehouse → Salesforce"),
    Command.withSubcommands([
      runCommandOf(wiring),
      checkApiCommandOf(wiring),
      dbCommandOf(wiring),
      serveApiCommandOf(wiring),
      serveAdlsCommandOf(wiring),
      serveSalesforceCommandOf(wiring),
    ]),
  )
  return Command.run(root, { name: "reverse-etl", version: VERSION })
}
