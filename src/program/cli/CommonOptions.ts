import { Options } from "@effect/cli"

export const logFormat = Options.choice("log-format", ["json", "text"]).pipe(
  Options.withDefault("json" as const),
  Options.withDescription("json: one JSON object a line (default, for Airflow); text: for a person"),
)

/** The flags every command that runs weeks (run, schedule, backfill) shares. */
export const localOnly = Options.boolean("local-only").pipe(
  Options.withDescription("write local files only, no lake upload"),
)

export const force = Options.boolean("force").pipe(Options.withDescription("redo a week whose output already exists"))

export const requireSalesforce = Options.boolean("require-salesforce").pipe(
  Options.withDescription("fail the salesforce-sync stage when no Salesforce credentials are set (default: skip it)"),
)

export const fullResync = Options.boolean("full-resync").pipe(
  Options.withDescription("send every row of the week to Salesforce, not only rows changed since their last sync"),
)

/** The emulators' listening address. */
export const listenPort = (fallback: number) =>
  Options.integer("port").pipe(
    Options.withDefault(fallback),
    Options.withDescription("port to listen on (0: any free port)"),
  )

export const listenHost = Options.text("host").pipe(
  Options.withDefault("127.0.0.1"),
  Options.withDescription("address to bind (0.0.0.0 inside a container)"),
)
