package io.jenkins.plugins.cd4ml.report;

import io.jenkins.plugins.cd4ml.tune.Trial;
import io.jenkins.plugins.cd4ml.tune.TrialStatus;
import io.jenkins.plugins.cd4ml.tune.TuneResult;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Rectangle;
import java.awt.geom.Ellipse2D;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;

/** The report's plots, drawn with JFreeChart into inline SVG (JFreeSVG). */
final class Charts {

    static final int WIDTH = 640;
    static final int HEIGHT = 320;
    private static final Color COMPLETED = new Color(0x2b6cb0);
    private static final Color PRUNED = new Color(0xdd8a1a);
    private static final Color BEST = new Color(0x2f855a);

    private Charts() {
    }

    /** The objective of each trial by trial number, with the best-so-far line. */
    static String objectivePerTrial(TuneResult tune, String id) {
        XYSeries completed = new XYSeries("completed trial");
        XYSeries pruned = new XYSeries("pruned trial (last value)");
        XYSeries best = new XYSeries("best so far");
        boolean maximize = tune.goal().equals("maximize");
        Double bestSoFar = null;
        for (Trial t : tune.trials()) {
            if (t.value() == null) {
                continue;
            }
            if (t.status() == TrialStatus.COMPLETED) {
                completed.add(t.number(), t.value());
                if (bestSoFar == null || (maximize ? t.value() > bestSoFar : t.value() < bestSoFar)) {
                    bestSoFar = t.value();
                }
            } else if (t.status() == TrialStatus.PRUNED) {
                pruned.add(t.number(), t.value());
            }
            if (bestSoFar != null) {
                best.add(t.number(), bestSoFar);
            }
        }
        XYSeriesCollection points = new XYSeriesCollection();
        points.addSeries(completed);
        points.addSeries(pruned);
        JFreeChart chart = ChartFactory.createScatterPlot(null, "trial", tune.objective(), points,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer dots = new XYLineAndShapeRenderer(false, true);
        dots.setSeriesPaint(0, COMPLETED);
        dots.setSeriesPaint(1, PRUNED);
        dots.setSeriesShape(0, new Ellipse2D.Double(-4, -4, 8, 8));
        dots.setSeriesShape(1, new Ellipse2D.Double(-4, -4, 8, 8));
        plot.setRenderer(0, dots);
        XYStepRenderer line = new XYStepRenderer();
        line.setSeriesPaint(0, BEST);
        line.setSeriesStroke(0, new BasicStroke(2f));
        plot.setDataset(1, new XYSeriesCollection(best));
        plot.setRenderer(1, line);
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        style(plot);
        return svg(chart, id);
    }

    /** The objective against one parameter's values (categories on a symbol axis). */
    static String parameterAgainstObjective(TuneResult tune, String parameter, String id) {
        List<String> categories = new ArrayList<>();
        boolean numeric = true;
        for (Trial t : tune.trials()) {
            String v = t.parameters().get(parameter);
            if (v != null && !isNumber(v)) {
                numeric = false;
            }
        }
        XYSeries completed = new XYSeries("completed trial", false, true);
        XYSeries pruned = new XYSeries("pruned trial", false, true);
        for (Trial t : tune.trials()) {
            String v = t.parameters().get(parameter);
            if (v == null || t.value() == null) {
                continue;
            }
            double x;
            if (numeric) {
                x = Double.parseDouble(v);
            } else {
                if (!categories.contains(v)) {
                    categories.add(v);
                }
                x = categories.indexOf(v);
            }
            if (t.status() == TrialStatus.COMPLETED) {
                completed.add(x, t.value());
            } else if (t.status() == TrialStatus.PRUNED) {
                pruned.add(x, t.value());
            }
        }
        XYSeriesCollection points = new XYSeriesCollection();
        points.addSeries(completed);
        points.addSeries(pruned);
        JFreeChart chart = ChartFactory.createScatterPlot(null, parameter, tune.objective(), points,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer dots = new XYLineAndShapeRenderer(false, true);
        dots.setSeriesPaint(0, COMPLETED);
        dots.setSeriesPaint(1, PRUNED);
        dots.setSeriesShape(0, new Ellipse2D.Double(-4, -4, 8, 8));
        dots.setSeriesShape(1, new Ellipse2D.Double(-4, -4, 8, 8));
        plot.setRenderer(dots);
        if (!numeric) {
            SymbolAxis axis = new SymbolAxis(parameter, categories.toArray(new String[0]));
            plot.setDomainAxis(axis);
        } else {
            ((NumberAxis) plot.getDomainAxis()).setAutoRangeIncludesZero(false);
        }
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        style(plot);
        return svg(chart, id);
    }

    private static boolean isNumber(String text) {
        try {
            Double.parseDouble(text);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void style(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        plot.getChart().setBackgroundPaint(Color.WHITE);
    }

    private static String svg(JFreeChart chart, String id) {
        SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
        g.setDefsKeyPrefix(id + "-"); // clip path ids unique within the page
        chart.draw(g, new Rectangle(0, 0, WIDTH, HEIGHT));
        String svg = g.getSVGElement(id, true, new ViewBox(0, 0, WIDTH, HEIGHT), null, null);
        return InlineSvg.withPresentationAttributes(svg);
    }
}
