import { parse } from "csv-parse/sync"
import { Connection } from "jsforce"
import type { SalesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"

/** A jsforce connection logged in to the emulator with its default user. */
export const login = async (emulator: SalesforceEmulator) => {
  const connection = new Connection({ loginUrl: emulator.url, version: "62.0" })
  await connection.login("retl@example.com", "emulator-passwordemulatortoken")
  return connection
}

/** A CSV of `count` rows keyed `${prefix}0`, `${prefix}1` ... in column Key__c. */
export const keyedCsv = (prefix: string, count: number): string =>
  `Key__c,N__c\n${Array.from({ length: count }, (_, i) => `${prefix}${i},${i}\n`).join("")}`

/** A job of `csv` created, uploaded and closed through jsforce; answers the job to check. */
export const submitJob = async (connection: Connection, csv: string) => {
  const job = connection.bulk2.createJob({ object: "Thing__c", operation: "upsert", externalIdFieldName: "Key__c" })
  await job.open()
  await job.uploadData(csv)
  await job.close()
  return job
}

type SubmittedJob = Awaited<ReturnType<typeof submitJob>>

/** Checks a job until it is finished; answers every state seen. Bounded: a job never finished fails the test. */
export const awaitJob = async (job: SubmittedJob, pauseMs = 0) => {
  const states: Array<string> = []
  let info = await job.check()
  states.push(info.state)
  for (let checks = 0; info.state === "InProgress" || info.state === "UploadComplete"; checks++) {
    if (checks === 10_000) throw new Error(`job ${info.id} still ${info.state} after ${checks} checks`)
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs))
    info = await job.check()
    states.push(info.state)
  }
  return { info, states }
}

/** One Bulk job through jsforce: create, upload, close, check until finished, read its results. */
export const runJob = async (connection: Connection, csv: string) => {
  const job = await submitJob(connection, csv)
  const { info } = await awaitJob(job)
  const rows = async (raw: Promise<string>) => parse(await raw, { columns: true }) as Array<Record<string, string>>
  return {
    info,
    successful: await rows(job.getSuccessfulResults(true)),
    failed: await rows(job.getFailedResults(true)),
    unprocessed: await rows(job.getUnprocessedRecords(true)),
  }
}
