import { useEffect, useRef } from "preact/hooks"
import uPlot from "uplot"

export interface ChartSeries {
  readonly label: string
  readonly color: string
  readonly values: ReadonlyArray<number | null>
  readonly bars?: boolean
}

const bars = uPlot.paths.bars!({ size: [0.6, 40] })

/** A uPlot time-series chart over `times` (ms since the epoch), as wide as its box. */
export const Chart = ({ title, times, series, format, max }: {
  title: string
  /** A fixed top of the y axis (100 for percentages); else the data's. */
  max?: number
  times: ReadonlyArray<number>
  series: ReadonlyArray<ChartSeries>
  format: (value: number) => string
}) => {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = box.current
    if (element === null) return
    const options: uPlot.Options = {
      title,
      width: Math.max(element.clientWidth, 280),
      height: 200,
      scales: { y: { range: (_self, _min, top) => [0, max ?? (top > 0 ? top * 1.1 : 1)] } },
      axes: [{}, { values: (_self, ticks) => ticks.map(format), size: 70 }],
      series: [
        {},
        ...series.map((line) => ({
          label: line.label,
          stroke: line.color,
          width: 2,
          // A bucket with data between empty ones is a lone point: draw points, not only lines.
          points: { show: line.bars !== true, size: 6 },
          value: (_self: uPlot, value: number | null) => value === null ? "–" : format(value),
          ...(line.bars === true && { paths: bars, fill: `${line.color}99` })
        }))
      ]
    }
    const data = [times.map((ms) => ms / 1000), ...series.map((line) => [...line.values])] as uPlot.AlignedData
    const chart = new uPlot(options, data, element)
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 280), height: 200 }))
    resize.observe(element)
    return () => {
      resize.disconnect()
      chart.destroy()
    }
  }, [title, times, series, max])
  return <div class="chart" ref={box} />
}
