import { execFileSync } from "node:child_process"

/** CLI tests run the built binary, as Airflow would: compile `src` once before any test runs. */
export default function setup() {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "inherit",
  })
}
