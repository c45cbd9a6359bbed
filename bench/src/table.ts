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
