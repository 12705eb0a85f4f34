import { SqlError } from "@effect/sql/SqlError"
import { warehouseError } from "../../../src/layers/warehouse/WarehouseSqlErrors.js"
import { assert, describe, it } from "../../support/vitest.js"

const sqlError = (cause: object) => new SqlError({ message: "Failed to execute statement", cause })

describe("warehouse errors", () => {
  it("marks what the database says may pass as transient, and names the operation", () => {
    const azureBusy = warehouseError("startRun")(
      sqlError({ number: 40613, message: "Database is not currently available" }),
    )
    assert.deepInclude(azureBusy.details, { operation: "startRun", transient: true, sql_error_number: 40613 })
    assert.strictEqual(
      azureBusy.message,
      "warehouse startRun failed: Failed to execute statement: Database is not currently available",
    )
    assert.isTrue(warehouseError("loadWeek")(sqlError({ code: "SQLITE_BUSY" })).details.transient)
    assert.isTrue(warehouseError("loadWeek")(sqlError({ code: "ESOCKET" })).details.transient)
    const duplicate = warehouseError("startRun")(sqlError({ number: 2627, message: "Violation of PRIMARY KEY" }))
    assert.isFalse(duplicate.details.transient)
  })
})
