import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
// Bundled by Vite into the app's stylesheet file: no <style> element, so the CSP's style-src 'self' holds.
import 'uplot/dist/uPlot.min.css';

const PLOT_HEIGHT = 220;
const LINE_COLOUR = '#0b5394';
const AXIS_COLOUR = '#55606e';
const GRID_COLOUR = '#d5dbe3';
const FONT = '12px system-ui, sans-serif';
const LABEL_FONT = '600 12px system-ui, sans-serif';

export interface PlotSeries {
  /** The series' name on screen (its PID label). */
  readonly label: string;
  /** The plot's caption, with the unit: "Fordulatszám (1/min)". */
  readonly axisLabel: string;
  /** The y axis label: the unit ("1/min"), or the label when the value has none. */
  readonly unitLabel: string;
  /** The x axis label: "Idő (s)". */
  readonly timeLabel: string;
  /** `[milliseconds since the first sample, value]`. */
  readonly points: readonly (readonly [number, number])[];
  /** Formats a value on the axis and in the legend (the UI language's decimal sign). */
  readonly format: (value: number) => string;
}

/**
 * One logged series over time, drawn by uPlot on a canvas. uPlot sizes its
 * elements through the CSSOM (element.style), which the CSP allows; it adds
 * no <style> element and no style attribute to the markup.
 */
export function ScanPlot({ series, id }: { readonly series: PlotSeries; readonly id: string }) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (element === null) return undefined;
    const seconds = series.points.map(([time]) => time / 1000);
    const values = series.points.map(([, value]) => value);
    const axisValues = (_plot: uPlot, splits: number[]): string[] => splits.map((split) => series.format(split));
    // The legend asks with null (despite uPlot's types) while the cursor is off the plot.
    const legendValue = (_plot: uPlot, value: number | null): string => (value === null ? '–' : series.format(value));
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 280),
        height: PLOT_HEIGHT,
        scales: { x: { time: false } },
        legend: { show: true, live: true },
        cursor: { drag: { x: true, y: false } },
        series: [
          { label: series.timeLabel, value: legendValue },
          { label: series.label, stroke: LINE_COLOUR, width: 2, points: { show: false }, value: legendValue },
        ],
        axes: [
          { label: series.timeLabel, stroke: AXIS_COLOUR, font: FONT, labelFont: LABEL_FONT, grid: { stroke: GRID_COLOUR, width: 1 }, ticks: { stroke: GRID_COLOUR }, values: axisValues },
          { label: series.unitLabel, stroke: AXIS_COLOUR, font: FONT, labelFont: LABEL_FONT, size: 64, grid: { stroke: GRID_COLOUR, width: 1 }, ticks: { stroke: GRID_COLOUR }, values: axisValues },
        ],
      },
      [seconds, values],
      element,
    );
    const resize = new ResizeObserver(() => {
      const width = Math.max(element.clientWidth, 280);
      if (width !== plot.width) plot.setSize({ width, height: PLOT_HEIGHT });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series]);

  return <div ref={container} id={id} className="scan-plot" role="img" aria-label={`${series.label}: ${series.axisLabel}`} />;
}
