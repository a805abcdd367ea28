package io.github.vmbackdoor.hostsim.logimport;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSortedSet;
import io.github.vmbackdoor.rpc.VmtMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads vmt(4) messages out of a kernel log from NetBSD or OpenBSD.
 *
 * <p>Accepts lines with a dmesg stamp ({@code [ 123.456789] }), a syslog stamp ({@code Nov 24
 * 08:00:01 host /netbsd: }, possibly followed by a dmesg stamp), or none. Registers may be printed
 * as eight zero-padded hex digits ({@code ebx=00100000}, OpenBSD and old NetBSD) or with a {@code
 * 0x} prefix where zero prints as {@code 0} ({@code ebx=0x100000}, NetBSD 10). OpenBSD debug
 * messages that lack a newline run into the next message; they are split apart. Lines that are not
 * vmt messages are skipped; lines that look like vmt messages but are not in the catalogue are
 * reported in {@link Result#unknown()}, never fatal.
 */
public final class VmtLogParser {

  private static final Pattern DMESG_STAMP = Pattern.compile("^\\[\\s*(\\d+(?:\\.\\d+)?)\\]\\s*");
  private static final Pattern SYSLOG_STAMP =
      Pattern.compile(
          "^([A-Z][a-z]{2})\\s+(\\d{1,2})\\s+(\\d{2}):(\\d{2}):(\\d{2})\\s+\\S+\\s+[^:\\s]+:\\s*");

  /** Where a vmt message starts inside a line: a vmt device name or the backdoor prefix. */
  private static final Pattern MESSAGE_START =
      Pattern.compile("(vmt\\d+: |vmware: |VMware guest )");

  /** A line that stands for lines the log's author left out: {@code …} or {@code ...}. */
  private static final Pattern ELISION = Pattern.compile("(?:\u2026|\\.\\.\\.)");

  private static final Pattern REGISTER =
      Pattern.compile("\\b(eax|ebx|ecx|edx|esi|edi|ebp)=(0x[0-9a-fA-F]+|[0-9a-fA-F]+)");
  private static final String[] MONTHS = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
  };
  private static final int[] DAYS_BEFORE_MONTH = {
    0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334
  };

  private VmtLogParser() {}

  /**
   * What a log held: the vmt messages in order, and the lines that looked like vmt but were not
   * understood.
   */
  public static final class Result {
    private final ImmutableList<VmtLogLine> lines;
    private final ImmutableList<String> unknown;
    private final ImmutableSortedSet<Integer> elisions;

    Result(
        ImmutableList<VmtLogLine> lines,
        ImmutableList<String> unknown,
        ImmutableSortedSet<Integer> elisions) {
      this.lines = lines;
      this.unknown = unknown;
      this.elisions = elisions;
    }

    public ImmutableList<VmtLogLine> lines() {
      return lines;
    }

    /**
     * Where the log leaves lines out (an elision line, {@code …} or {@code ...}): each value is the
     * index in {@link #lines()} of the first vmt line after one, {@code lines().size()} for an
     * elision at the end.
     */
    public ImmutableSortedSet<Integer> elisions() {
      return elisions;
    }

    /** Each skipped line as {@code <line number>: <text>}. */
    public ImmutableList<String> unknown() {
      return unknown;
    }
  }

  /** Parses the lines of a log. */
  public static Result parse(List<String> logLines) {
    ImmutableList.Builder<VmtLogLine> found = ImmutableList.builder();
    ImmutableList.Builder<String> unknown = ImmutableList.builder();
    ImmutableSortedSet.Builder<Integer> elisions = ImmutableSortedSet.naturalOrder();
    int count = 0;
    int number = 0;
    for (String raw : logLines) {
      number++;
      String rest = raw.strip();
      OptionalDouble seconds = OptionalDouble.empty();
      boolean exact = false;
      Matcher syslog = SYSLOG_STAMP.matcher(rest);
      if (syslog.find()) {
        seconds = OptionalDouble.of(syslogSeconds(syslog));
        rest = rest.substring(syslog.end());
      }
      Matcher dmesg = DMESG_STAMP.matcher(rest);
      if (dmesg.find()) {
        seconds = OptionalDouble.of(Double.parseDouble(dmesg.group(1)));
        exact = true;
        rest = rest.substring(dmesg.end());
      }
      if (ELISION.matcher(rest).matches()) {
        elisions.add(count);
        continue;
      }
      for (String piece : splitMessages(rest)) {
        VmtLogLine line;
        try {
          line = parseMessage(number, seconds, exact, piece);
        } catch (BadRegister e) {
          unknown.add(number + ": " + e.getMessage() + ": " + piece);
          continue;
        }
        if (line != null) {
          found.add(line);
          count++;
        } else if (MESSAGE_START.matcher(piece).lookingAt()) {
          unknown.add(number + ": " + piece);
        }
      }
    }
    return new Result(found.build(), unknown.build(), elisions.build());
  }

  /** Splits a line where one message runs into the next (OpenBSD debug lines without newline). */
  static List<String> splitMessages(String text) {
    List<String> pieces = new ArrayList<>();
    Matcher m = MESSAGE_START.matcher(text);
    int start = -1;
    while (m.find()) {
      if (start >= 0) {
        pieces.add(text.substring(start, m.start()));
      }
      start = m.start();
    }
    if (start >= 0) {
      pieces.add(text.substring(start));
    }
    return pieces;
  }

  private static VmtLogLine parseMessage(
      int number, OptionalDouble seconds, boolean exact, String piece) {
    String text = piece.strip();
    String device = null;
    VmtMessage.Prefix prefix;
    String body;
    if (text.startsWith("vmware: ")) {
      prefix = VmtMessage.Prefix.VMWARE;
      body = text.substring("vmware: ".length());
    } else if (text.startsWith("VMware guest ")) {
      prefix = VmtMessage.Prefix.NONE;
      body = text;
    } else {
      int colon = text.indexOf(": ");
      if (colon < 0) {
        return null;
      }
      prefix = VmtMessage.Prefix.DEVICE;
      device = text.substring(0, colon);
      body = text.substring(colon + 2);
      if (body.startsWith(": ")) {
        body = body.substring(2); // OpenBSD prints ": failed to set HGFS server capability"
      }
    }
    VmtMessage message = VmtMessage.match(prefix, body).orElse(null);
    if (message == null) {
      return null;
    }
    String after = body.substring(message.words().length());
    ImmutableMap.Builder<String, Long> registers = ImmutableMap.builder();
    Matcher r = REGISTER.matcher(after);
    int end = 0;
    while (r.find()) {
      String value = r.group(2).toLowerCase(Locale.ROOT);
      String digits = (value.startsWith("0x") ? value.substring(2) : value).replaceFirst("^0+", "");
      if (digits.length() > 16) {
        throw new BadRegister(r.group(1) + " has more than 64 bits");
      }
      registers.put(r.group(1), digits.isEmpty() ? 0L : Long.parseUnsignedLong(digits, 16));
      end = r.end();
    }
    String detail = after.substring(end).replaceFirst("^[,:]?\\s*", "").strip();
    return new VmtLogLine(
        number, seconds, exact, device, message, registers.buildKeepingLast(), detail, text);
  }

  /** A register value no register can hold: the line is skipped, named in the skipped list. */
  private static final class BadRegister extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRegister(String message) {
      super(message, null, false, false);
    }
  }

  private static double syslogSeconds(Matcher m) {
    int month = 0;
    for (int i = 0; i < MONTHS.length; i++) {
      if (MONTHS[i].equals(m.group(1))) {
        month = i;
      }
    }
    long days = DAYS_BEFORE_MONTH[month] + Integer.parseInt(m.group(2)) - 1L;
    return days * 86400
        + Integer.parseInt(m.group(3)) * 3600L
        + Integer.parseInt(m.group(4)) * 60L
        + Integer.parseInt(m.group(5));
  }
}
