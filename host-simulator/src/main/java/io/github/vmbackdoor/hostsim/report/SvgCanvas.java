package io.github.vmbackdoor.hostsim.report;

import static io.github.vmbackdoor.hostsim.report.Format.num;
import static io.github.vmbackdoor.hostsim.report.Format.xml;

/**
 * The markup of an SVG picture as it is written: its shapes and texts one element at a time, each
 * coordinate as {@link Format#num} writes it and each text escaped.
 */
final class SvgCanvas {

  private final StringBuilder out = new StringBuilder();

  /** Appends markup as it is. */
  SvgCanvas append(String markup) {
    out.append(markup);
    return this;
  }

  /** A rectangle with its top left at ({@code x}, {@code y}). */
  void rect(double x, double y, double w, double h, String attrs) {
    out.append("<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\"")
        .append(" height=\"" + num(h) + "\" " + attrs + "/>\n");
  }

  /** A line from ({@code x1}, {@code y1}) to ({@code x2}, {@code y2}). */
  void line(double x1, double y1, double x2, double y2, String attrs) {
    out.append("<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\"")
        .append(" y2=\"" + num(y2) + "\" " + attrs + "/>\n");
  }

  /** {@code text} with its baseline at {@code y}. */
  void text(double x, double y, String attrs, String text) {
    out.append("<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"")
        .append(attrs.isEmpty() ? "" : " " + attrs)
        .append(">" + xml(text) + "</text>\n");
  }

  /**
   * The shape of mark style {@code m} (defined once in the picture's defs) at ({@code x}, {@code
   * y}).
   */
  void use(Mark.Style m, double x, double y) {
    out.append("<use xlink:href=\"#m-" + m.kind() + "\" x=\"" + num(x) + "\" y=\"" + num(y))
        .append("\"/>");
  }

  /** The markup written so far. */
  String markup() {
    return out.toString();
  }
}
