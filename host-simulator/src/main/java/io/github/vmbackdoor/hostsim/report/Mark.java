package io.github.vmbackdoor.hostsim.report;

import io.github.vmbackdoor.rpc.TcloEvent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Something a machine did that the picture marks on its lane: a TCLO or RPCI failure, a channel
 * reset, a reopen, or a log line printed with none of those. Each kind has its {@link Style} (row
 * in the lane, symbol, colour); the vmt log lines printed at the same virtual instant are its hover
 * title.
 */
sealed interface Mark {

  /**
   * How a kind of mark looks: its name (the CSS class and the symbol's id), its row in the lane
   * from the top, its colour, its symbol's SVG shape centred on the origin ({@code %s} for the
   * colour), its name in words and what it means.
   */
  record Style(
      String kind, int row, String color, String shapeTemplate, String words, String meaning) {
    /** The symbol's shape in the colour. */
    String shape() {
      return shapeTemplate.replace("%s", color);
    }
  }

  /** When it happened. */
  Duration at();

  /** The event's detail (the failing step, the request); empty for a bare log line. */
  String detail();

  /** The vmt log lines printed at the same instant, in order. */
  List<String> lines();

  /** How it looks. */
  Style style();

  /**
   * Marks of one kind with the same signature repeat one another: the kind and the log lines (the
   * details may differ, like the uptime in a failed RPCI request).
   */
  default String signature() {
    return style().kind() + '\n' + String.join("\n", lines());
  }

  /** What the hover title says after the time: the kind, the detail, then the log lines. */
  default String description() {
    StringBuilder b = new StringBuilder(style().words());
    if (!detail().isEmpty()) {
      b.append(": ").append(detail());
    }
    for (String line : lines()) {
      b.append('\n').append(line);
    }
    return b.toString();
  }

  /** The style of each kind, in row order: the symbols and the legend. */
  static List<Style> styles() {
    return List.of(LogLine.STYLE, TcloFailure.STYLE, RpciFailure.STYLE, Reset.STYLE, Reopen.STYLE);
  }

  /**
   * The mark of a machine's event, if it gets one; {@code opened} says whether a TCLO channel was
   * opened before (so a channel opening is a reopen).
   */
  static Optional<Mark> of(Duration at, TcloEvent event, boolean opened, List<String> lines) {
    String d = event.detail();
    return switch (event.type()) {
      case TCLO_FAILURE, OPEN_FAILED, CLOSE_FAILED -> Optional.of(new TcloFailure(at, d, lines));
      case RPCI_FAILED -> Optional.of(new RpciFailure(at, d, lines));
      case RESETTING -> Optional.of(new Reset(at, d, lines));
      case CHANNEL_OPENED -> opened ? Optional.of(new Reopen(at, d, lines)) : Optional.empty();
      default -> Optional.empty();
    };
  }

  /** A vmt log line printed at an instant with no other mark. */
  record LogLine(Duration at, List<String> lines) implements Mark {
    static final Style STYLE =
        new Style(
            "log",
            0,
            "#6c757d",
            "<circle r=\"3\" fill=\"%s\"/>",
            "log line",
            "vmt log lines printed at an instant with none of the marks below");

    @Override
    public String detail() {
      return "";
    }

    @Override
    public Style style() {
      return STYLE;
    }
  }

  /** A step on the TCLO channel failed, its open failed, or its close was refused. */
  record TcloFailure(Duration at, String detail, List<String> lines) implements Mark {
    static final Style STYLE =
        new Style(
            "tclo-failure",
            1,
            "#d62828",
            "<rect x=\"-1.5\" y=\"-6\" width=\"3\" height=\"12\" fill=\"%s\"/>",
            "TCLO failure",
            "a step on the TCLO channel failed, its open failed, or its close was refused");

    @Override
    public Style style() {
      return STYLE;
    }
  }

  /** An RPCI request failed. */
  record RpciFailure(Duration at, String detail, List<String> lines) implements Mark {
    static final Style STYLE =
        new Style(
            "rpci-failure",
            2,
            "#b5179e",
            "<rect x=\"-2.5\" y=\"-2.5\" width=\"5\" height=\"5\" fill=\"none\" stroke=\"%s\""
                + " stroke-width=\"1.5\"/>",
            "RPCI failure",
            "an RPCI request failed");

    @Override
    public Style style() {
      return STYLE;
    }
  }

  /** The machine reset its TCLO channel ("resetting rpc"). */
  record Reset(Duration at, String detail, List<String> lines) implements Mark {
    static final Style STYLE =
        new Style(
            "reset",
            3,
            "#e07a00",
            "<path d=\"M0,-5L5,0L0,5L-5,0Z\" fill=\"%s\"/>",
            "channel reset",
            "the machine reset its TCLO channel (\"resetting rpc\")");

    @Override
    public Style style() {
      return STYLE;
    }
  }

  /** A TCLO channel opened again after the first. */
  record Reopen(Duration at, String detail, List<String> lines) implements Mark {
    static final Style STYLE =
        new Style(
            "reopen",
            4,
            "#2b9348",
            "<path d=\"M0,-5L5,4L-5,4Z\" fill=\"%s\"/>",
            "channel reopened",
            "a TCLO channel was opened again");

    @Override
    public Style style() {
      return STYLE;
    }
  }
}
