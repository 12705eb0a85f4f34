/**
 * The prose of RELIABILITY.md: what the pipeline promises and what each promise rests on. It
 * lives beside the generator so the document is rewritten whole from one place; change it with
 * the code it describes.
 */
export const GUARANTEES = `
Whatever the events API, the disk, the lake, the warehouse or Salesforce do, and wherever the
process dies, running the week again ends with exactly the data a clean run gives. The suite under
\`test/reliability/\` tries to break each promise below; the table at the end says how hard it tried.

## What the pipeline guarantees

### Nothing lost

Every record the API served for the week is either in \`events.parquet\` or, with its reasons
and its original text, in \`rejects.parquet\` (rows fetched = rows valid + rows rejected); the
valid rows are in the warehouse; a warehouse write that failed waits in a queue. It rests on:

- **Atomic renames.** Every local file (\`raw.ndjson\`, both Parquet files, the stage sidecars,
  \`_SUCCESS.json\`, the checkpoint mirror, the replay queue) is written to a hidden temp file
  beside it (\`.name.tmp-…\`), flushed, and renamed into place: a reader, or the next run after a
  kill, finds the whole file or none; the next run of the week removes the temp files a killed
  process left on its disk (never a live process's). A lake put uploads under a hidden staging name, reads back
  the size and SHA-256 the service holds, and only then renames into place; a get streams into an
  atomic local write and checks the hash.
- **The week replaced in one transaction.** The load deletes the week's rows and inserts the new
  ones in one transaction; SQLite (WAL) and SQL Server keep it whole or not at all across a kill.
- **The replay queue.** A checkpoint or run-row write the warehouse refused is appended to
  \`state/pending_db_updates.jsonl\` (rewritten atomically) and replayed in order at the start of
  the next run. A line that cannot be read or keeps failing stays for a person; none is dropped.

### Nothing duplicated

Running a week twice — after a failure, after a crash, or by hand with \`--force\` — adds no
row anywhere. It rests on the week replaced in one transaction (warehouse), on lake puts that
skip an object already holding the same bytes (by SHA-256), and on **idempotent upserts on the
external id** in Salesforce (\`External_Signal_Id__c\` = \`user_id:week_start\`), sent only for rows
whose content hash changed since they last reached Salesforce (the sync state).

### Exactly-once effects, where the systems allow them

Bulk API 2.0 applies a job's rows only once its upload is marked complete (the job is closed);
the data of an open job is discarded when the job is aborted. The **job ledger** records each
job and its rows in the warehouse before any data goes up. The next run reattaches to every job
left behind: a closed job is awaited and its results collected (its rows count as synced, so
they are not planned again), an open one is aborted and its rows sent again in a new job. So each
row reaches Salesforce in at most one closed job; the crash suite checks exactly that in the
emulator's request log, after letting every closed job finish as Salesforce would. Collecting a
job's results (row outcomes, sync state, closing the ledger entry) is one transaction.

What no system here offers: a job created whose id never reached the ledger (a kill between the
two calls) stays open and empty in Salesforce until it expires; it carries no data. Lake uploads
are at-least-once, of identical bytes, behind exactly one visible version.

### The checkpoint moves only on success, and exactly once

It moves by exactly seven days after \`SUCCESS\` or \`SUCCESS_WITH_REJECTS\`, only past the week it
points at, and never backwards (a conditional upsert; a replayed write is harmless). A failed run
leaves it and the week's marker alone. The end of a week is ordered: \`_SUCCESS.json\` written
(locally, then in the lake), the run row finished, the hand-over files removed, and the
checkpoint moved last. A run killed after the marker leaves the checkpoint behind it, older than
the marker: the next full or \`--stage salesforce-sync\` run of the week sees that, finishes the
end (run row, clean-up, checkpoint) and skips the rest. Before this suite found it, such a week
was skipped forever and the checkpoint never moved.

### Secrets never leave

The API key, the SQL password, the Salesforce password and token and the storage account key are
\`Redacted\` settings, read in clear only at the line that sends them, and every log line is
scrubbed of every configured secret besides. The suite configures distinctive secrets in every
run it starts and greps every byte the run produced — stdout and stderr of each process, captured
log lines, sidecars, state, both Parquet files, the SQLite warehouse, the Salesforce CSVs — for
each secret raw, URL-encoded and JSON-escaped.

### Paths never escape

A run tag (from \`AIRFLOW_CTX_DAG_RUN_ID\`) keeps only \`[A-Za-z0-9_-]\`, with a hash of the
original when anything was replaced; week bounds must be dates \`YYYY-MM-DD\`, the end not before
the start, and only those make the partition directories; a lake path that is absolute, has
empty, \`.\` or \`..\` segments, backslashes or control characters (NUL) is refused before any I/O.

### What a crash may leave behind

Hidden temp files (\`.raw.ndjson.tmp-…\`, \`.events.parquet.tmp-…\`) on the killed process's disk
and hidden staging objects in the lake: never read and never under a final name, they can be
deleted at any time. The killed run's \`pipeline_run\` row stays \`RUNNING\`; the run that
finished the week has its own row. A worker's \`state/extractor_state.json\` is a copy of the
checkpoint written after the warehouse: a kill between the two leaves it one week behind until the
next run moves the checkpoint; the warehouse's row is the checkpoint.
`

/** What each known suite does, for the table's legend. A suite not listed still gets its rows. */
export const SUITES: Record<string, string> = {
  "fault-matrix":
    "each outside system × each fault its emulator injects; the run succeeds after retries or fails with the right error and exit code 1, the checkpoint stays, and the next clean run gives a never-faulted run's outputs.",
  "crash-restart":
    "the real CLI process killed with SIGKILL at a seeded random moment of a stage (or of the week's end), in a full run or in one `--stage` process as Airflow runs them, then run again until it succeeds; Parquet rows, warehouse rows and the Salesforce org equal a clean run's, no file is half written, the pending queue reads, no row is in two closed Bulk jobs, the checkpoint moved once. Every trial counted killed its process (one that finished first is drawn again); a case names what the re-run had to recover when it was more than files: a Bulk job the killed process left (reattached and collected, or aborted and its rows sent again), or the end of a week whose marker was written (run row, clean-up, checkpoint).",
  "hostile-input":
    "generated records and pages (wrong types, huge strings, deep nesting, `__proto__` keys, invalid UTF-8, NaN, exponents, empty and gigantic pages, truncated JSON) and CSV-injection values; conservation holds, nothing crashes, rejects explain themselves.",
  paths: "run tags, week strings and lake paths that try to escape (`..`, absolute paths, NUL) are refused.",
  secrets:
    "every output and file a case produced, grepped for every secret; tried counts the outputs and files scanned.",
}
