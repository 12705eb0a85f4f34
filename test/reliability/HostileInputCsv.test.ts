import { readdirSync, readFileSync } from "node:fs"
import { parse } from "csv-parse/sync"
import { Effect } from "effect"
import fc from "fast-check"
import { csvLine, NULL_VALUE } from "../../src/codecs/SalesforceCsv.js"
import { externalSignalId } from "../../src/domain/CustomerMetrics.js"
import { DEFAULT_FIELD_MAPPING, mapRow, parseFieldMapping } from "../../src/domain/SalesforceFields.js"
import { SalesforceEmulator } from "../../src/emulators/salesforce/SalesforceEmulator.js"
import { checkGenerated } from "../support/reliability/Generated.js"
import { emulatorSettings, metricsRow, runSync, tempDir, WEEK } from "../support/salesforce.js"
import { assert, describe, it } from "../support/vitest.js"

const OBJECT = "Customer_Weekly_Metric__c"

/** No lone surrogate: UTF-8 cannot carry one, so it never reaches the warehouse's text (see the transform). */
const wellFormed = (text: string) => Buffer.from(text, "utf8").toString("utf8") === text

/**
 * Text a spreadsheet would run as a formula or a CSV writer could mangle: leading `=`, `+`, `-`,
 * `@`, tab or CR; quotes, commas and line breaks anywhere; Salesforce's own null token in other
 * spellings; white space at the ends; any Unicode. Exactly `#N/A` is Salesforce's null and an
 * empty text is sent as null by design (README), so neither is a value that can arrive as text.
 */
const hostileText = fc
  .tuple(
    fc.constantFrom(
      "",
      "=",
      "+",
      "-",
      "@",
      "\t",
      "\r",
      "\n",
      " ",
      '"',
      "=cmd|' /C calc'!A0",
      "@SUM(1+1)*cmd|' /C '!A0",
    ),
    fc.oneof(
      fc.constantFrom(
        "1+1",
        'HYPERLINK("http://x","y")',
        '"quoted"',
        'a""b',
        "a,b,,c",
        "line\nbreak",
        "crlf\r\nbreak",
        "cr\ronly",
        "#N/A ",
        " #N/A",
        "#n/a",
        "#N/A#N/A",
        "N/A",
        "#NULL!",
        "null",
        "NULL",
        "Ünïcödé 🙂 مرحبا 漢字",
        "e\u0301",
        "\u00a0nbsp\u00a0",
        "\u2028\u2029",
        "\ufeffbom",
        "tab\tin",
        "\\",
      ),
      fc.string({ maxLength: 12, unit: "grapheme" }),
      fc.string({ maxLength: 12, unit: "binary" }),
    ),
    fc.constantFrom("", " ", "\n", ",", '"', "\t"),
  )
  .map(([head, body, tail]) => `${head}${body}${tail}`)
  .filter((text) => text !== "" && text !== NULL_VALUE && wellFormed(text))

/** The rows the CSV sends, in the mapping's field order, as Salesforce must read them back. */
const mapping = Effect.runSync(parseFieldMapping(DEFAULT_FIELD_MAPPING, "External_Signal_Id__c"))
const sentValues = (values: ReadonlyArray<string | null>) => values.map((v) => v ?? NULL_VALUE)

/** Parses as strictly as Salesforce: LF line ends, no stray quote, no ragged row. */
const strictParse = (csv: string): Array<Array<string>> =>
  parse(csv, { record_delimiter: "\n", relax_column_count: false, relax_quotes: false }) as Array<Array<string>>

const rowsWith = (userIds: ReadonlyArray<string>) =>
  userIds.map((userId, i) =>
    metricsRow(i, { user_id: userId, external_signal_id: externalSignalId(userId, WEEK.start) }),
  )

describe("CSV injection and awkward text in Salesforce values", () => {
  it("the CSV writer quotes what needs quoting and changes nothing", async () => {
    await checkGenerated(
      "hostile-input",
      "salesforce CSV writer: hostile values round trip",
      { short: 300, long: 20_000 },
      fc.array(fc.option(hostileText, { freq: 5 }), { minLength: 1, maxLength: 8 }),
      async (values) => {
        const csv = `${csvLine(values.map((_, i) => `F${i}__c`))}\n${csvLine(values)}\n`
        const [header, row, ...rest] = strictParse(csv)
        assert.strictEqual(header?.length, values.length)
        assert.deepStrictEqual(row, sentValues(values), "every value as written, nulls as #N/A")
        assert.deepStrictEqual(rest, [])
        for (const [i, value] of values.entries()) {
          if (value !== null && /^[=+\-@\t\r]/.test(value)) {
            assert.notMatch(csvLine([value]), /^'/, `value ${i} is not prefixed: Salesforce stores it as text`)
          }
        }
      },
      (values) => values.length,
    )
  })

  it("every value reaches the emulator's store unchanged, through jsforce and the dry run's CSV", async () => {
    const emulator = await SalesforceEmulator.start()
    try {
      await checkGenerated(
        "hostile-input",
        "salesforce sync: hostile user ids through jsforce to the emulator",
        { short: 20, long: 200 },
        fc.uniqueArray(hostileText, { minLength: 1, maxLength: 25 }),
        async (userIds) => {
          const rows = rowsWith(userIds)
          const env = {
            database: `${tempDir("retl-hostile-sf-")}/warehouse.sqlite`,
            rows: () => rows,
            config: emulatorSettings(emulator.url, { SF_BATCH_SIZE: "7" }),
          }
          const outputDir = tempDir("retl-hostile-sf-dry-")
          const dry = await Effect.runPromise(runSync(env, { dryRun: true, outputDir }))
          assert.strictEqual(dry.newRows, rows.length)
          const dir = `${outputDir}/salesforce_dry_run`
          const csvRows = readdirSync(dir)
            .filter((name) => name.endsWith(".csv"))
            .sort()
            .flatMap((name) => {
              const [header, ...body] = strictParse(readFileSync(`${dir}/${name}`, "utf8"))
              assert.deepStrictEqual(header, [...mapping.fields])
              return body
            })
          assert.deepStrictEqual(
            csvRows,
            rows.map((row) => sentValues(mapRow(mapping, row))),
            "the CSVs hold every row, every value as it is",
          )

          const result = await Effect.runPromise(runSync(env))
          assert.deepInclude(result, { sent: rows.length, failed: 0 })
          for (const row of rows) {
            const stored = emulator.store.find(OBJECT, row.external_signal_id)
            assert.isDefined(stored, JSON.stringify(row.external_signal_id))
            assert.strictEqual(stored?.fields.External_Signal_Id__c, row.external_signal_id)
            assert.strictEqual(stored?.fields.Customer_Id__c, row.user_id, "the value arrived unchanged")
            assert.strictEqual(stored?.fields.Event_Count__c, String(row.event_count))
          }
        },
        (userIds) => userIds.length,
      )
    } finally {
      await emulator.close()
    }
  }, 120_000)
})
