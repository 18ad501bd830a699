package io.scp.loadtest;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;

/** Draws p50 / p99 / p99.9 latency and requests per second over the run as a PNG. */
public final class LatencyChart {
  private static final int WIDTH = 1000;
  private static final int HEIGHT = 500;
  private static final int MARGIN = 60;

  private LatencyChart() {}

  public static void write(
      Map<Long, ? extends Histogram> perSecond, List<Long> markers, String title, Path file)
      throws IOException {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, HEIGHT);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    g.drawString(title, MARGIN, 25);
    if (perSecond.isEmpty()) {
      g.dispose();
      ImageIO.write(image, "png", file.toFile());
      return;
    }
    long lastSecond = perSecond.keySet().stream().mapToLong(Long::longValue).max().orElse(1);
    double maxMs = 1;
    long maxRate = 1;
    for (Histogram h : perSecond.values()) {
      maxMs = Math.max(maxMs, h.getValueAtPercentile(99.9) / 1000.0);
      maxRate = Math.max(maxRate, h.getTotalCount());
    }
    int plotW = WIDTH - 2 * MARGIN;
    int plotH = HEIGHT - 2 * MARGIN;
    g.drawRect(MARGIN, MARGIN, plotW, plotH);
    g.drawString("0", MARGIN - 15, HEIGHT - MARGIN + 5);
    g.drawString(String.format("%.0f ms", maxMs), 5, MARGIN + 5);
    g.drawString(lastSecond + " s", WIDTH - MARGIN - 20, HEIGHT - MARGIN + 20);
    g.drawString(maxRate + " req/s", WIDTH - MARGIN + 2, MARGIN + 5);
    g.setColor(new Color(255, 200, 200));
    for (long marker : markers) {
      int x = MARGIN + (int) (plotW * marker / (double) Math.max(1, lastSecond));
      g.drawLine(x, MARGIN, x, HEIGHT - MARGIN);
    }
    double[] percentiles = {50, 99, 99.9};
    Color[] colors = {new Color(30, 120, 30), new Color(30, 60, 200), new Color(200, 30, 30)};
    for (int p = 0; p < percentiles.length; p++) {
      List<int[]> points = new ArrayList<>();
      for (var entry : perSecond.entrySet()) {
        int x = MARGIN + (int) (plotW * entry.getKey() / (double) Math.max(1, lastSecond));
        double ms = entry.getValue().getValueAtPercentile(percentiles[p]) / 1000.0;
        points.add(new int[] {x, HEIGHT - MARGIN - (int) (plotH * ms / maxMs)});
      }
      drawLine(g, points, colors[p]);
      g.setColor(colors[p]);
      g.drawString(
          "p" + (percentiles[p] == 99.9 ? "99.9" : String.valueOf((int) percentiles[p])),
          MARGIN + 10 + 60 * p,
          HEIGHT - 15);
    }
    List<int[]> rate = new ArrayList<>();
    for (var entry : perSecond.entrySet()) {
      int x = MARGIN + (int) (plotW * entry.getKey() / (double) Math.max(1, lastSecond));
      rate.add(
          new int[] {
            x, HEIGHT - MARGIN - (int) (plotH * entry.getValue().getTotalCount() / (double) maxRate)
          });
    }
    drawLine(g, rate, Color.GRAY);
    g.setColor(Color.GRAY);
    g.drawString("requests/s", MARGIN + 200, HEIGHT - 15);
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private static void drawLine(Graphics2D g, List<int[]> points, Color color) {
    g.setColor(color);
    g.setStroke(new BasicStroke(1.5f));
    for (int i = 1; i < points.size(); i++) {
      g.drawLine(points.get(i - 1)[0], points.get(i - 1)[1], points.get(i)[0], points.get(i)[1]);
    }
  }
}
