/** Renders rows of cells as an aligned plain-text table. */
export interface Column {
  readonly header: string
  readonly align: "left" | "right"
}

export const renderTable = (columns: ReadonlyArray<Column>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...rows.map((row) => (row[index] ?? "").length))
  )
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, index) => (columns[index]?.align === "right" ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
      .join(" | ")
      .trimEnd()
  const rule = widths.map((width) => "-".repeat(width)).join("-+-")
  return [line(columns.map((column) => column.header)), rule, ...rows.map(line)].join("\n")
}

/** A number for a table cell, with a fixed number of decimals; "-" when not finite. */
export const formatNumber = (value: number, digits = 0): string =>
  Number.isFinite(value) ? value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "-"

/** A rate: one decimal below 100, none above. */
export const formatRate = (value: number): string => formatNumber(value, value < 100 ? 1 : 0)

export const verdict = (pass: boolean): string => (pass ? "PASS" : "MISS")
