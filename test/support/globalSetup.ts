import { spawnSync } from "node:child_process"

/**
 * CLI tests run the built binary, as Airflow would: compile `src` once before any test runs. The
 * compiler's output is shown only when it fails.
 */
export default function setup() {
  const tsc = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    encoding: "utf8",
  })
  if (tsc.status !== 0)
    throw new Error(`tsc -p tsconfig.build.json failed:\n${tsc.error ?? ""}${tsc.stdout}${tsc.stderr}`)
}
