import type { Effect, Scope } from "effect"
import { Context } from "effect"
import type { WarehouseError } from "../domain/Errors.js"
import type { Warehouse } from "./Warehouse.js"

/**
 * A warehouse of a dry run's own: empty, with the real one's tables and export view (the same
 * migrations, so the same SQL), in a file the dry run names inside its temporary directory. The
 * dry run loads the week it validated into it and reads the view back: the rows a real run would
 * send, without a write to the real warehouse.
 */
export class ScratchWarehouse extends Context.Tag("retl/ScratchWarehouse")<
  ScratchWarehouse,
  {
    /** Opens (creates and migrates) the scratch warehouse at `path`; it is closed with the scope. */
    readonly open: (path: string) => Effect.Effect<Context.Tag.Service<Warehouse>, WarehouseError, Scope.Scope>
  }
>() {}
