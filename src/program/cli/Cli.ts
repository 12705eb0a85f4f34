import { Command } from "@effect/cli"
import { backfillCommandOf } from "./BackfillCommand.js"
import { checkApiCommandOf } from "./CheckApiCommand.js"
import { checkSalesforceCommandOf } from "./CheckSalesforceCommand.js"
import { dbCommandOf } from "./DbCommand.js"
import { demoCommandOf } from "./DemoCommand.js"
import { runCommandOf } from "./RunCommand.js"
import { runsCommandOf } from "./RunsCommand.js"
import { salesforceCommandOf } from "./SalesforceCommand.js"
import { scheduleCommandOf } from "./ScheduleCommand.js"
import { serveAdlsCommandOf } from "./ServeAdlsCommand.js"
import { serveApiCommandOf } from "./ServeApiCommand.js"
import { serveSalesforceCommandOf } from "./ServeSalesforceCommand.js"
import { statusCommandOf } from "./StatusCommand.js"
import { VERSION } from "./Version.js"
import type { Wiring } from "./Wiring.js"

/** The `reverse-etl` command tree, running with the implementations `wiring` gives. */
export const makeCli = (wiring: Wiring) => {
  const root = Command.make("reverse-etl").pipe(
    Command.withDescription("Weekly reverse ETL: events API → Parquet → lake + warehouse → Salesforce"),
    Command.withSubcommands([
      runCommandOf(wiring),
      scheduleCommandOf(wiring),
      backfillCommandOf(wiring),
      demoCommandOf(wiring),
      statusCommandOf(wiring),
      runsCommandOf(wiring),
      salesforceCommandOf(wiring),
      checkApiCommandOf(wiring),
      checkSalesforceCommandOf(wiring),
      dbCommandOf(wiring),
      serveApiCommandOf(wiring),
      serveAdlsCommandOf(wiring),
      serveSalesforceCommandOf(wiring),
    ]),
  )
  return Command.run(root, { name: "reverse-etl", version: VERSION })
}
