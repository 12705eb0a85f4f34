import { FileSystem } from "@effect/platform"
import { Effect, Option } from "effect"
import { ConfigurationError } from "../../domain/Errors.js"
import { DEFAULT_FIELD_MAPPING, type FieldMapping, parseFieldMapping } from "../../domain/SalesforceFields.js"
import type { SalesforceSettings } from "../../services/AppConfig.js"

const unreadable = (path: string, reason: string) =>
  new ConfigurationError({
    message: `SF_FIELD_MAPPING_FILE ${path} ${reason}`,
    details: { setting: "SF_FIELD_MAPPING_FILE", path, rule: reason },
  })

/** The default mapping, or the JSON object `{view_column: SalesforceField}` of SF_FIELD_MAPPING_FILE. */
export const loadFieldMapping = (
  settings: SalesforceSettings,
): Effect.Effect<FieldMapping, ConfigurationError, FileSystem.FileSystem> =>
  Option.match(settings.fieldMappingFile, {
    // The default mapping sends the external id to whichever field SF_EXTERNAL_ID_FIELD names.
    onNone: () =>
      parseFieldMapping(
        { ...DEFAULT_FIELD_MAPPING, external_signal_id: settings.externalIdField },
        settings.externalIdField,
        "SF_EXTERNAL_ID_FIELD",
      ),
    onSome: (path) =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        const text = yield* fs
          .readFileString(path)
          .pipe(Effect.mapError((e) => unreadable(path, `cannot be read: ${e.message}`)))
        const json = yield* Effect.try({
          try: () => JSON.parse(text) as unknown,
          catch: (e) => unreadable(path, `is not valid JSON: ${(e as Error).message}`),
        })
        return yield* parseFieldMapping(json, settings.externalIdField)
      }),
  })
