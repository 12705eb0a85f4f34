import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The checkpoint, the audit trail, the week's events and the export view, in one migration per
 * dialect. Types follow what each database does best: SQL Server keeps dates as `date`, moments as
 * `datetime2`, text as `nvarchar`; SQLite keeps event times as epoch microseconds (INTEGER, so the
 * view's MIN/MAX are plain integer comparisons) and audit moments as ISO-8601 text. The view
 * answers identical rows on both: times as `2019-12-01T00:00:03.000000Z`, revenue in cents.
 */
const mssql = [
  `CREATE TABLE dbo.pipeline_checkpoint (
  checkpoint_id INT NOT NULL CONSTRAINT pk_pipeline_checkpoint PRIMARY KEY
    CONSTRAINT ck_pipeline_checkpoint_single_row CHECK (checkpoint_id = 1),
  next_week_start DATE NOT NULL,
  next_week_end DATE NOT NULL,
  updated_at DATETIME2(3) NOT NULL
)`,
  `CREATE TABLE dbo.pipeline_run (
  run_id NVARCHAR(100) NOT NULL CONSTRAINT pk_pipeline_run PRIMARY KEY,
  correlation_id NVARCHAR(100) NOT NULL,
  week_start DATE NOT NULL,
  week_end DATE NOT NULL,
  status NVARCHAR(32) NOT NULL,
  rows_fetched BIGINT NULL,
  rows_output BIGINT NULL,
  rows_rejected BIGINT NULL,
  reject_rate_pct FLOAT NULL,
  reject_threshold_pct FLOAT NULL,
  started_at DATETIME2(3) NOT NULL,
  finished_at DATETIME2(3) NULL,
  output_path NVARCHAR(1024) NULL,
  rejects_path NVARCHAR(1024) NULL,
  error_type NVARCHAR(100) NULL,
  error_message NVARCHAR(4000) NULL
)`,
  "CREATE INDEX ix_pipeline_run_week ON dbo.pipeline_run (week_start, started_at)",
  `CREATE TABLE dbo.pipeline_stage (
  run_id NVARCHAR(100) NOT NULL,
  stage NVARCHAR(32) NOT NULL,
  status NVARCHAR(32) NOT NULL,
  started_at DATETIME2(3) NULL,
  finished_at DATETIME2(3) NULL,
  rows_in BIGINT NULL,
  rows_out BIGINT NULL,
  error_type NVARCHAR(100) NULL,
  error_message NVARCHAR(4000) NULL,
  CONSTRAINT pk_pipeline_stage PRIMARY KEY (run_id, stage)
)`,
  `CREATE TABLE dbo.ecom_events (
  event_time DATETIME2(6) NOT NULL,
  event_type NVARCHAR(50) NOT NULL,
  product_id NVARCHAR(100) NULL,
  category_id NVARCHAR(100) NULL,
  category_code NVARCHAR(400) NULL,
  brand NVARCHAR(400) NULL,
  price FLOAT NULL,
  user_id NVARCHAR(100) NOT NULL,
  user_session NVARCHAR(100) NULL,
  batch_week_start DATE NOT NULL,
  batch_week_end DATE NOT NULL,
  ingested_at DATETIME2(6) NOT NULL
)`,
  // Clustered on the week, then the customer: a week's delete is a range, and the view's
  // per-customer aggregation reads the week in user_id order, so export pages stop early.
  "CREATE CLUSTERED INDEX ix_ecom_events_week_user ON dbo.ecom_events (batch_week_start, user_id)",
  `CREATE VIEW dbo.vw_salesforce_customer_weekly_export AS
SELECT
  user_id + N':' + CONVERT(NVARCHAR(10), batch_week_start, 23) AS external_signal_id,
  user_id,
  batch_week_start AS week_start,
  MAX(batch_week_end) AS week_end,
  COUNT(*) AS event_count,
  SUM(CASE WHEN event_type = N'view' THEN 1 ELSE 0 END) AS view_count,
  SUM(CASE WHEN event_type = N'cart' THEN 1 ELSE 0 END) AS cart_count,
  SUM(CASE WHEN event_type = N'remove_from_cart' THEN 1 ELSE 0 END) AS remove_from_cart_count,
  SUM(CASE WHEN event_type = N'purchase' THEN 1 ELSE 0 END) AS purchase_count,
  ROUND(COALESCE(SUM(CASE WHEN event_type = N'purchase' THEN price END), 0), 2) AS purchase_revenue,
  COUNT(DISTINCT user_session) AS session_count,
  COUNT(DISTINCT product_id) AS product_count,
  CONVERT(NVARCHAR(19), MIN(event_time), 126) + N'.'
    + RIGHT(N'000000' + CAST(DATEPART(MICROSECOND, MIN(event_time)) AS NVARCHAR(6)), 6) + N'Z' AS first_event_at,
  CONVERT(NVARCHAR(19), MAX(event_time), 126) + N'.'
    + RIGHT(N'000000' + CAST(DATEPART(MICROSECOND, MAX(event_time)) AS NVARCHAR(6)), 6) + N'Z' AS last_event_at
FROM dbo.ecom_events
GROUP BY batch_week_start, user_id`,
]

const sqliteIso = (micros: string) =>
  `strftime('%Y-%m-%dT%H:%M:%S', ${micros} / 1000000, 'unixepoch') || '.' || printf('%06d', ${micros} % 1000000) || 'Z'`

const sqlite = [
  `CREATE TABLE pipeline_checkpoint (
  checkpoint_id INTEGER NOT NULL PRIMARY KEY CHECK (checkpoint_id = 1),
  next_week_start TEXT NOT NULL,
  next_week_end TEXT NOT NULL,
  updated_at TEXT NOT NULL
)`,
  `CREATE TABLE pipeline_run (
  run_id TEXT NOT NULL PRIMARY KEY,
  correlation_id TEXT NOT NULL,
  week_start TEXT NOT NULL,
  week_end TEXT NOT NULL,
  status TEXT NOT NULL,
  rows_fetched INTEGER,
  rows_output INTEGER,
  rows_rejected INTEGER,
  reject_rate_pct REAL,
  reject_threshold_pct REAL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  output_path TEXT,
  rejects_path TEXT,
  error_type TEXT,
  error_message TEXT
)`,
  "CREATE INDEX ix_pipeline_run_week ON pipeline_run (week_start, started_at)",
  `CREATE TABLE pipeline_stage (
  run_id TEXT NOT NULL,
  stage TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  rows_in INTEGER,
  rows_out INTEGER,
  error_type TEXT,
  error_message TEXT,
  PRIMARY KEY (run_id, stage)
)`,
  `CREATE TABLE ecom_events (
  event_time INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  product_id TEXT,
  category_id TEXT,
  category_code TEXT,
  brand TEXT,
  price REAL,
  user_id TEXT NOT NULL,
  user_session TEXT,
  batch_week_start TEXT NOT NULL,
  batch_week_end TEXT NOT NULL,
  ingested_at INTEGER NOT NULL
)`,
  // The week alone: an index on (week, user_id) would make every insert a random B-tree write
  // and halve the load rate, and SQLite's view plan does not stop early on it anyway.
  "CREATE INDEX ix_ecom_events_week ON ecom_events (batch_week_start)",
  `CREATE VIEW vw_salesforce_customer_weekly_export AS
SELECT
  user_id || ':' || batch_week_start AS external_signal_id,
  user_id,
  batch_week_start AS week_start,
  MAX(batch_week_end) AS week_end,
  COUNT(*) AS event_count,
  SUM(CASE WHEN event_type = 'view' THEN 1 ELSE 0 END) AS view_count,
  SUM(CASE WHEN event_type = 'cart' THEN 1 ELSE 0 END) AS cart_count,
  SUM(CASE WHEN event_type = 'remove_from_cart' THEN 1 ELSE 0 END) AS remove_from_cart_count,
  SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS purchase_count,
  ROUND(COALESCE(SUM(CASE WHEN event_type = 'purchase' THEN price END), 0), 2) AS purchase_revenue,
  COUNT(DISTINCT user_session) AS session_count,
  COUNT(DISTINCT product_id) AS product_count,
  ${sqliteIso("MIN(event_time)")} AS first_event_at,
  ${sqliteIso("MAX(event_time)")} AS last_event_at
FROM ecom_events
GROUP BY batch_week_start, user_id`,
]

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const statements = sql.onDialectOrElse({ mssql: () => mssql, orElse: () => sqlite })
  for (const statement of statements) yield* sql.unsafe(statement)
})
