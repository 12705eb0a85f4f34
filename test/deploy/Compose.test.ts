import { readFileSync } from "node:fs"
import { parse } from "yaml"
import { assert, describe, it } from "../support/vitest.js"

interface Service {
  readonly build?: { readonly context: string; readonly dockerfile: string }
  readonly image?: string
  readonly command?: string | ReadonlyArray<string>
  readonly environment?: Record<string, string>
  readonly ports?: ReadonlyArray<string>
  readonly volumes?: ReadonlyArray<string>
  readonly env_file?: string
  readonly depends_on?: Record<string, { readonly condition: string }>
  readonly healthcheck?: { readonly test: ReadonlyArray<string> }
}

const composeText = readFileSync("airflow/docker-compose.yaml", "utf8")
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> }
const services = compose.services
const service = (name: string): Service => {
  const found = services[name]
  if (found === undefined) throw new Error(`docker-compose.yaml has no service ${name}`)
  return found
}
const AIRFLOW = ["airflow-init", "airflow-webserver", "airflow-scheduler"]

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|FERNET|_KEY$|^API_KEY$|CONNECTION_STRING|WEBHOOK/
/** A value compose must take from .env, with no default: `${NAME}` or `${NAME:?message}`. */
const REQUIRED_REFERENCE = /^\$\{[A-Z0-9_]+(:\?[^}]*)?\}$/

const envExample = readFileSync("airflow/.env.example", "utf8")
  .split("\n")
  .map((line) => /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim()))
  .flatMap((m) => (m === null ? [] : [{ commented: m[1] !== undefined, key: m[2] ?? "", value: m[3] ?? "" }]))

describe("airflow/docker-compose.yaml", () => {
  it("runs postgres, airflow-init, airflow-webserver on 8080, airflow-scheduler and the ecom-api emulator", () => {
    assert.includeMembers(Object.keys(services), [
      "postgres",
      "airflow-init",
      "airflow-webserver",
      "airflow-scheduler",
      "ecom-api",
    ])
    assert.match(service("postgres").image ?? "", /^postgres:\d+/)
    assert.strictEqual(service("airflow-init").command, "version")
    assert.strictEqual(service("airflow-init").environment?._AIRFLOW_DB_MIGRATE, "true")
    assert.strictEqual(service("airflow-init").environment?._AIRFLOW_WWW_USER_CREATE, "true")
    assert.strictEqual(service("airflow-webserver").command, "webserver")
    assert.include(service("airflow-webserver").ports ?? [], "8080:8080")
    assert.strictEqual(service("airflow-scheduler").command, "scheduler")
    for (const name of ["airflow-webserver", "airflow-scheduler"]) {
      assert.strictEqual(service(name).depends_on?.["airflow-init"]?.condition, "service_completed_successfully")
      assert.strictEqual(service(name).depends_on?.postgres?.condition, "service_healthy")
    }
  })

  it("builds the Airflow services from airflow/Dockerfile, with the DAG and one shared working directory", () => {
    const dag = readFileSync("airflow/dags/reverse_etl_weekly.py", "utf8")
    const workdir = /os\.environ\.get\("REVERSE_ETL_WORKDIR", "([^"]+)"\)/.exec(dag)?.[1]
    for (const name of AIRFLOW) {
      const s = service(name)
      assert.deepStrictEqual(s.build, { context: "..", dockerfile: "airflow/Dockerfile" })
      assert.strictEqual(s.environment?.AIRFLOW__CORE__EXECUTOR, "LocalExecutor")
      assert.match(s.environment?.AIRFLOW__DATABASE__SQL_ALCHEMY_CONN ?? "", /@postgres\/airflow$/)
      assert.strictEqual(s.environment?.REVERSE_ETL_WORKDIR, workdir)
      assert.include(s.volumes ?? [], "./dags:/opt/airflow/dags:ro")
      assert.include(s.volumes ?? [], `reverse-etl-work:${workdir}`)
      assert.strictEqual(s.env_file, ".env")
    }
  })

  it("serves the ecom API with `reverse-etl serve-api` from the root image, where the tasks look for it", () => {
    const api = service("ecom-api")
    assert.deepStrictEqual(api.build, { context: "..", dockerfile: "Dockerfile" })
    const command = api.command as ReadonlyArray<string>
    assert.strictEqual(command[0], "serve-api")
    const port = command[command.indexOf("--port") + 1]
    assert.strictEqual(api.environment?.HEALTHCHECK_URL, `http://127.0.0.1:${port}/health`)
    assert.strictEqual(
      service("airflow-scheduler").environment?.API_BASE_URL,
      `\${API_BASE_URL:-http://ecom-api:${port}}`,
    )
    assert.strictEqual(service("airflow-scheduler").depends_on?.["ecom-api"]?.condition, "service_healthy")
  })

  it("bakes in no secret: each one is required from .env, with no default", () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (SECRET_NAME.test(key)) assert.match(String(value), REQUIRED_REFERENCE, `${name}: ${key}`)
        const password = /:\/\/[^:/@]+:([^@]*)@/.exec(String(value))?.[1]
        if (password !== undefined) assert.match(password, REQUIRED_REFERENCE, `${name}: ${key}`)
      }
    }
    const required = [...composeText.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1])
    for (const key of new Set(required)) {
      assert.isTrue(
        envExample.some((e) => e.key === key && !e.commented),
        `${key} is required by docker-compose.yaml: .env.example must list it`,
      )
    }
  })
})

describe("airflow/.env.example", () => {
  it("has a blank (or commented-out) value for every secret", () => {
    const secrets = envExample.filter((e) => SECRET_NAME.test(e.key))
    assert.isAtLeast(secrets.length, 6)
    for (const e of secrets) assert.isTrue(e.commented || e.value === "", `${e.key} must be blank in the example`)
  })

  it("names the DAG's Variables", () => {
    const keys = envExample.map((e) => e.key)
    for (const variable of [
      "pipeline_mode",
      "week_start",
      "week_end",
      "sf_username",
      "sf_password",
      "sf_security_token",
      "sf_domain",
      "slack_webhook_url",
    ]) {
      assert.include(keys, `AIRFLOW_VAR_${variable.toUpperCase()}`)
    }
  })
})
