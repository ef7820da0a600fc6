package io.flashsale.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;

/** A bench report: {@code bench/results/<date>-<scenario>.md} with the machine and settings, and a bar chart PNG. */
public final class Report {

  private final String scenario;
  private final StringBuilder md = new StringBuilder();
  private final Map<String, Double> bars = new LinkedHashMap<>();
  private String barUnit = "";

  public Report(String scenario, String title) {
    this.scenario = scenario;
    md.append("# ").append(title).append(" — ").append(LocalDate.now()).append("\n\n");
    md.append("Machine: ").append(machine()).append("\n\n");
  }

  public Report line(String text) {
    md.append(text).append('\n');
    return this;
  }

  public Report lines(java.util.List<String> texts) {
    texts.forEach(this::line);
    return this;
  }

  public Report bar(String label, double value, String unit) {
    bars.put(label, value);
    barUnit = unit;
    return this;
  }

  /** Writes the markdown and, when bars were given, the chart; answers the markdown's path. */
  public Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    String base = LocalDate.now() + "-" + scenario;
    if (!bars.isEmpty()) {
      chart(dir.resolve(base + ".png"));
      md.append("\n![").append(scenario).append("](").append(base).append(".png)\n");
    }
    Path file = dir.resolve(base + ".md");
    Files.writeString(file, md.toString());
    return file;
  }

  private void chart(Path png) throws IOException {
    int width = 900;
    int rowHeight = 46;
    int height = 70 + rowHeight * bars.size();
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.DARK_GRAY);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(scenario + " (" + barUnit + ")", 20, 30);
    double max = bars.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
    int labelWidth = 300;
    int y = 50;
    Color[] palette = {new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868), new Color(0xC44E52)};
    int i = 0;
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    for (Map.Entry<String, Double> e : bars.entrySet()) {
      int barLength = (int) ((width - labelWidth - 140) * (e.getValue() / max));
      g.setColor(Color.DARK_GRAY);
      g.drawString(e.getKey(), 20, y + 24);
      g.setColor(palette[i++ % palette.length]);
      g.fillRect(labelWidth, y + 8, Math.max(1, barLength), 24);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format("%,.0f", e.getValue()), labelWidth + barLength + 8, y + 25);
      y += rowHeight;
    }
    g.setStroke(new BasicStroke(1));
    g.drawLine(labelWidth, 45, labelWidth, y);
    g.dispose();
    ImageIO.write(img, "png", png.toFile());
  }

  static String machine() {
    String cpu = "?";
    try {
      cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
    } catch (IOException ignored) {
      // not Linux
    }
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "?";
    }
    long memGiB = 0;
    try {
      memGiB = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
          .findFirst().map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) >> 20).orElse(0L);
    } catch (IOException ignored) {
      // not Linux
    }
    return String.format("%d cores (%s), %d GiB RAM, %s %s, Java %s, host %s",
        Runtime.getRuntime().availableProcessors(), cpu, memGiB,
        System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.version"), host);
  }
}
