package io.github.treelora.examples.report;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of an accuracy matrix R, where R[i][j] is the accuracy (a fraction in [0, 1]) on task i after
 * training task j, defined for i &lt;= j (entries below the diagonal's columns, j &lt; i, are ignored; NaN is
 * the usual filler). Both charts show percentages. Rendering runs headless (no display needed).
 */
public final class Charts {
    /** Width of the PNGs in pixels. */
    public static final int WIDTH = 640;

    /** Height of the PNGs in pixels. */
    public static final int HEIGHT = 480;

    static {
        // XChart draws with AWT: without a display the JVM must be headless, or the first font lookup fails.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Charts() {}

    /**
     * Writes the heatmap of R: one cell per (task i, after task j) with its value in percent written in it,
     * task 0 in the top row, cells with j &lt; i left empty.
     *
     * @param accuracy R, square
     * @param title chart title
     * @param png output file (its directory is created if needed)
     * @return {@code png}
     * @throws IllegalArgumentException if R is empty, not square, or has a value outside [0, 1] where defined
     * @throws IOException if the file cannot be written
     */
    public static Path accuracyHeatmap(double[][] accuracy, String title, Path png) throws IOException {
        int n = checkMatrix(accuracy);
        HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("after training task").yAxisTitle("evaluated task").build();
        chart.getStyler().setShowValue(true).setMin(0).setMax(100).setHeatMapValueDecimalPattern("0.0")
                .setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, n > 8 ? 9 : 13)).setValueFontColor(Color.BLACK)
                .setRangeColors(new Color[] {new Color(0xd7, 0x30, 0x27), new Color(0xfe, 0xe0, 0x8b),
                    new Color(0x1a, 0x98, 0x50)})
                .setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        List<Integer> columns = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            columns.add(k);
            // XChart puts y index 0 at the bottom: list rows last-to-first so task 0 is the top row, as in R.
            rows.add("task " + (n - 1 - k));
        }
        List<Number[]> cells = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                cells.add(new Number[] {j, n - 1 - i, 100 * accuracy[i][j]});
            }
        }
        chart.addSeries("accuracy %", columns, rows, cells);
        return save(chart, png);
    }

    /**
     * Writes the accuracy-per-task curves: one line per task i through (j, R[i][j]) for j = i .. n-1, so a falling
     * line is forgetting; the x axis is the training sequence (after task j).
     *
     * @param accuracy R, square
     * @param title chart title
     * @param png output file (its directory is created if needed)
     * @return {@code png}
     * @throws IllegalArgumentException if R is empty, not square, or has a value outside [0, 1] where defined
     * @throws IOException if the file cannot be written
     */
    public static Path accuracyCurves(double[][] accuracy, String title, Path png) throws IOException {
        int n = checkMatrix(accuracy);
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("after training task").yAxisTitle("accuracy %").build();
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0).setXAxisDecimalPattern("0")
                .setLegendPosition(Styler.LegendPosition.OutsideE).setChartBackgroundColor(Color.WHITE);
        // Integer ticks only: one tick per task, however many tasks there are.
        chart.getStyler().setXAxisTickMarkSpacingHint(Math.max(20, (WIDTH - 200) / Math.max(1, n)));
        for (int i = 0; i < n; i++) {
            double[] x = new double[n - i];
            double[] y = new double[n - i];
            for (int j = i; j < n; j++) {
                x[j - i] = j;
                y[j - i] = 100 * accuracy[i][j];
            }
            XYSeries s = chart.addSeries("task " + i, x, y);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        return save(chart, png);
    }

    /** Validates R and returns its size. */
    static int checkMatrix(double[][] accuracy) {
        if (accuracy == null || accuracy.length == 0) {
            throw new IllegalArgumentException("the accuracy matrix is empty");
        }
        int n = accuracy.length;
        for (int i = 0; i < n; i++) {
            if (accuracy[i] == null || accuracy[i].length != n) {
                throw new IllegalArgumentException("accuracy row " + i + " has "
                        + (accuracy[i] == null ? 0 : accuracy[i].length) + " entries, expected " + n + " (R is square)");
            }
            for (int j = i; j < n; j++) {
                double v = accuracy[i][j];
                if (!(v >= 0 && v <= 1)) {
                    throw new IllegalArgumentException("accuracy R[" + i + "][" + j + "] = " + v
                            + " is not a fraction in [0, 1]");
                }
            }
        }
        return n;
    }

    private static Path save(Chart<?, ?> chart, Path png) throws IOException {
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        String file = png.toString();
        if (!file.toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new IllegalArgumentException(png + ": the chart file name must end in .png");
        }
        // XChart appends the extension itself: pass the name without it.
        BitmapEncoder.saveBitmap(chart, file.substring(0, file.length() - 4), BitmapEncoder.BitmapFormat.PNG);
        return png;
    }
}
