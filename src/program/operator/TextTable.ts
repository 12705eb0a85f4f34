/** Plain-text tables and values for a person at a terminal; colour only where it is wanted. */

export type Style = "red" | "green" | "yellow" | "bold" | "dim"

const SGR: Record<Style, string> = { red: "31", green: "32", yellow: "33", bold: "1", dim: "2" }

/** Paints text in a style, or leaves it as it is. */
export type Paint = (text: string, style: Style) => string

export const plain: Paint = (text) => text

export const ansi: Paint = (text, style) => (text === "" ? text : `\u001b[${SGR[style]}m${text}\u001b[0m`)

/**
 * Colour only on a terminal, and never when NO_COLOR is set to anything (https://no-color.org)
 * or the terminal says it cannot (`TERM=dumb`).
 */
export const wantsColour = (isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean =>
  isTTY === true && (env.NO_COLOR ?? "") === "" && env.TERM !== "dumb"

/** A cell: its text, and the style to paint it in once it is padded. */
export type Cell = string | { readonly text: string; readonly style: Style | null }

export interface Column {
  readonly header: string
  readonly align?: "left" | "right"
}

const textOf = (cell: Cell) => (typeof cell === "string" ? cell : cell.text)

/**
 * Rows under their headers, each column as wide as its widest cell, two spaces apart; numbers
 * right-aligned. Colour goes on after the padding, so escape codes never skew the columns.
 */
export const renderTable = (
  columns: ReadonlyArray<Column>,
  rows: ReadonlyArray<ReadonlyArray<Cell>>,
  paint: Paint,
  indent = "  ",
): Array<string> => {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => textOf(row[i] ?? "").length)),
  )
  const line = (cells: ReadonlyArray<Cell>, header: boolean) =>
    (
      indent +
      columns
        .map((column, i) => {
          const cell = cells[i] ?? ""
          const text = textOf(cell)
          const last = i === columns.length - 1
          const padded =
            column.align === "right" ? text.padStart(widths[i] ?? 0) : last ? text : text.padEnd(widths[i] ?? 0)
          const style = header ? "bold" : typeof cell === "string" ? null : cell.style
          return style === null ? padded : paint(padded, style)
        })
        .join("  ")
    ).trimEnd()
  return [
    line(
      columns.map((c) => c.header),
      true,
    ),
    ...rows.map((row) => line(row, false)),
  ]
}

export const count = (value: number | null): string => (value === null ? "—" : value.toLocaleString("en-US"))

/** A moment to the second, in UTC: `2019-12-08 06:00:03Z`. */
export const moment = (value: Date | null): string =>
  value === null ? "—" : `${value.toISOString().slice(0, 19).replace("T", " ")}Z`

export const duration = (ms: number | null): string => {
  if (ms === null) return "—"
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.floor((ms % 60_000) / 1000)
  return minutes < 60
    ? `${minutes} min ${String(seconds).padStart(2, "0")} s`
    : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`
}

export const between = (from: Date | null, to: Date | null): number | null =>
  from === null || to === null ? null : to.getTime() - from.getTime()

/** Long text cut for a table cell; the full text is in `runs show` and `--json`. */
export const clip = (text: string | null, width: number): string =>
  text === null ? "—" : text.length <= width ? text : `${text.slice(0, width - 1)}…`

/** The style of a run's or a stage's status. */
export const statusStyle = (status: string): Style | null =>
  status === "FAILED"
    ? "red"
    : status === "SUCCESS"
      ? "green"
      : status === "SUCCESS_WITH_REJECTS" || status === "RUNNING"
        ? "yellow"
        : null
