import { Options } from "@effect/cli"

export const logFormat = Options.choice("log-format", ["json", "text"]).pipe(
  Options.withDefault("json" as const),
  Options.withDescription("json: one JSON object a line (default, for Airflow); text: for a person"),
)
