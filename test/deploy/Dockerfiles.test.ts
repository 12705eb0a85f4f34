import { readFileSync } from "node:fs"
import { ValidationSeverity, type ValidatorSettings, validate } from "dockerfile-utils"
import { assert, describe, it } from "../support/vitest.js"

interface Instruction {
  readonly keyword: string
  readonly args: string
  /** The build stage this instruction belongs to (its FROM's `AS` name, or its index). */
  readonly stage: string
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
const instructions = (text: string): ReadonlyArray<Instruction> => {
  const joined = text
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ")
  const out: Array<Instruction> = []
  let stage = "global"
  let stages = 0
  for (const line of joined.split("\n")) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line)
    if (match === null) continue
    const keyword = (match[1] ?? "").toUpperCase()
    const args = (match[2] ?? "").replace(/\s+/g, " ").trim()
    if (keyword === "FROM") stage = / AS (\S+)$/i.exec(args)?.[1] ?? String(stages)
    if (keyword === "FROM") stages++
    out.push({ keyword, args, stage })
  }
  return out
}

/** Every optional check of the linter on, as a warning: a clean file has no diagnostics at all. */
const strict: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.WARNING,
  directiveCasing: ValidationSeverity.WARNING,
  emptyContinuationLine: ValidationSeverity.WARNING,
  instructionCasing: ValidationSeverity.WARNING,
  instructionCmdMultiple: ValidationSeverity.WARNING,
  instructionEntrypointMultiple: ValidationSeverity.WARNING,
  instructionHealthcheckMultiple: ValidationSeverity.WARNING,
  instructionJSONInSingleQuotes: ValidationSeverity.WARNING,
  instructionWorkdirRelative: ValidationSeverity.WARNING,
}

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|_KEY\b|API_KEY|CONNECTION_STRING|WEBHOOK/i

/** The image a FROM names, with a global ARG's default put in for `${NAME}`. */
const fromImages = (all: ReadonlyArray<Instruction>) => {
  const args = new Map(
    all.filter((i) => i.keyword === "ARG" && i.stage === "global").map((i) => i.args.split("=") as [string, string]),
  )
  return all
    .filter((i) => i.keyword === "FROM")
    .map((i) => (i.args.split(" ")[0] ?? "").replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? ""))
}

const finalStage = (all: ReadonlyArray<Instruction>) => {
  const last = all.at(-1)?.stage
  return all.filter((i) => i.stage === last)
}

const assertNoSecrets = (all: ReadonlyArray<Instruction>, text: string) => {
  for (const i of all.filter((i) => i.keyword === "ENV" || i.keyword === "ARG")) {
    // `ENV a=1 b=2` sets several; the legacy `ENV name value` one.
    const names = i.args.includes("=")
      ? i.args.split(" ").flatMap((token) => (token.includes("=") ? [token.split("=")[0] ?? ""] : []))
      : [i.args.split(" ")[0] ?? ""]
    for (const name of names) assert.notMatch(name, SECRET_NAME, `${i.keyword} ${i.args}`)
  }
  assert.notMatch(text, /COPY[^\n]*(config\.env|\.env\b)/, "no env file is copied into an image")
}

const load = (path: string) => {
  const text = readFileSync(path, "utf8")
  return { text, all: instructions(text) }
}
const rootFile = load("Dockerfile")
const airflowFile = load("airflow/Dockerfile")

describe("Dockerfiles", () => {
  for (const [path, { text }] of [
    ["Dockerfile", rootFile],
    ["airflow/Dockerfile", airflowFile],
  ] as const) {
    it(`${path} lints clean with dockerfile-utils`, () => {
      assert.deepStrictEqual(validate(text, strict), [])
    })
  }

  it("build the CLI the same way: airflow/Dockerfile repeats the root one's build stages", () => {
    const cliStages = (all: ReadonlyArray<Instruction>) =>
      all.filter((i) => ["toolchain", "build", "deps"].includes(i.stage)).map((i) => `${i.keyword} ${i.args}`)
    assert.isAtLeast(cliStages(rootFile.all).length, 10)
    assert.deepStrictEqual(cliStages(airflowFile.all), cliStages(rootFile.all))
  })
})

describe("Dockerfile", () => {
  const { text, all } = rootFile

  it("builds with dev dependencies and runs on Node 20 slim with production ones only", () => {
    const images = fromImages(all)
    assert.isAtLeast(images.length, 2)
    for (const image of images.filter((i) => i.startsWith("node"))) assert.match(image, /^node:20[\w.-]*slim$/)
    const build = all.filter((i) => i.stage === "build").map((i) => i.args)
    assert.include(build, "npm ci --no-audit --no-fund")
    assert.include(build, "npm run build")
    assert.include(all.find((i) => i.stage === "deps" && i.keyword === "RUN")?.args ?? "", "npm ci --omit=dev")
    const runtime = finalStage(all)
    assert.match(runtime[0]?.args ?? "", /^\$\{NODE_IMAGE\} AS runtime$/)
    const copies = runtime.filter((i) => i.keyword === "COPY").map((i) => i.args)
    assert.include(copies, "--from=deps /app/node_modules ./node_modules")
    assert.include(copies, "--from=build /app/dist ./dist")
    assert.isFalse(
      copies.some((c) => c.startsWith("--from=build") && c.includes("node_modules")),
      "dev dependencies stay in the build stage",
    )
  })

  it("runs as a non-root user with reverse-etl as entrypoint and a health check for serve-api", () => {
    const runtime = finalStage(all)
    const user = runtime.filter((i) => i.keyword === "USER").at(-1)?.args
    assert.isDefined(user)
    assert.notMatch(user ?? "", /^(root|0)(:|$)/)
    assert.strictEqual(runtime.filter((i) => i.keyword === "ENTRYPOINT").at(-1)?.args, '["reverse-etl"]')
    assert.include(runtime.find((i) => i.keyword === "RUN")?.args ?? "", "/usr/local/bin/reverse-etl")
    const health = runtime.find((i) => i.keyword === "HEALTHCHECK")?.args ?? ""
    assert.include(health, "/health")
    assert.match(health, /--interval=\d+s --timeout=\d+s/)
  })

  it("bakes in no secret and keeps local secrets and data out of the build context", () => {
    assertNoSecrets(all, text)
    const ignored = readFileSync(".dockerignore", "utf8").split("\n")
    for (const entry of [".env", "**/.env", "config.env", "**/config.env", "node_modules", ".git", "data", "state"]) {
      assert.include(ignored, entry)
    }
    assert.notInclude(ignored, "airflow", "airflow/Dockerfile copies airflow/dags from the context")
  })
})

describe("airflow/Dockerfile", () => {
  const { text, all } = airflowFile

  it("is Airflow 2.9.3 with Node 20, the built CLI on PATH and the DAG, running as airflow", () => {
    const images = fromImages(all)
    assert.match(images.at(-1) ?? "", /^apache\/airflow:2\.9\.3-python3\.\d+$/)
    assert.match(images[0] ?? "", /^node:20[\w.-]*slim$/)
    const airflow = finalStage(all)
    const copies = airflow.filter((i) => i.keyword === "COPY").map((i) => i.args)
    assert.include(copies, "--from=toolchain /usr/local/bin/node /usr/local/bin/node")
    assert.include(copies, "--from=deps /app/node_modules /opt/reverse-etl/node_modules")
    assert.include(copies, "--chown=airflow:0 airflow/dags/ /opt/airflow/dags/")
    const runs = airflow.filter((i) => i.keyword === "RUN").map((i) => i.args)
    assert.isTrue(runs.some((r) => r.includes("ln -s /opt/reverse-etl/dist/program/bin.js /usr/local/bin/reverse-etl")))
    assert.strictEqual(runs.at(-1), "reverse-etl --version")
    assert.strictEqual(airflow.filter((i) => i.keyword === "USER").at(-1)?.args, "airflow")
    assertNoSecrets(all, text)
  })

  it("gives the tasks the working directory the DAG expects", () => {
    const dag = readFileSync("airflow/dags/reverse_etl_weekly.py", "utf8")
    const workdir = /os\.environ\.get\("REVERSE_ETL_WORKDIR", "([^"]+)"\)/.exec(dag)?.[1]
    assert.strictEqual(workdir, "/opt/airflow/reverse_etl")
    assert.include(
      all.map((i) => `${i.keyword} ${i.args}`),
      `ENV REVERSE_ETL_WORKDIR=${workdir}`,
    )
  })
})
